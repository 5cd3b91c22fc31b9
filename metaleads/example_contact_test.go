package metaleads_test

import (
	"fmt"

	"github.com/ecademy/leadkit/metaleads"
)

func ExampleNormalizer_Contact() {
	n, err := metaleads.NewNormalizer(metaleads.NormalizerOptions{Region: "UA"})
	if err != nil {
		panic(err)
	}
	lead := metaleads.Lead{
		ID: "1001",
		Fields: []metaleads.Field{
			{Name: "повне_ім'я", Values: []string{"  Olena   Kovalenko "}},
			{Name: "Електронна пошта", Values: []string{"Olena.Kovalenko@Example.COM"}},
			{Name: "номер_телефону", Values: []string{"8 (063) 123-45-67"}},
			{Name: "куди_відправити_інформацію?", Values: []string{"tg"}},
		},
	}
	c := n.ContactFromLead(lead)
	fmt.Printf("%q %q %q\n", c.FullName, c.FirstName, c.LastName)
	fmt.Println(c.Email)
	fmt.Println(c.Phone, "from", c.PhoneRaw)
	fmt.Println(c.Answers)

	form := metaleads.Form{ID: "42", Questions: []metaleads.Question{{
		Key:     "куди_відправити_інформацію?",
		Label:   "Куди відправити інформацію?",
		Options: []metaleads.QuestionOption{{Key: "tg", Value: "Telegram"}},
	}}}
	fmt.Println(n.AnswersByLabel(c, form))
	// Output:
	// "Olena Kovalenko" "Olena" "Kovalenko"
	// olena.kovalenko@example.com
	// +380631234567 from 8 (063) 123-45-67
	// map[куди_відправити_інформацію?:tg]
	// map[Куди відправити інформацію?:Telegram]
}

func ExampleNormalizer_Field() {
	n, err := metaleads.NewNormalizer(metaleads.NormalizerOptions{Aliases: map[string]metaleads.ContactField{
		"Telegram або телефон": metaleads.PhoneField,
	}})
	if err != nil {
		panic(err)
	}
	for _, key := range []string{"Phone Number:", "e-mail", "telegram_або_телефон", "favourite_course"} {
		fmt.Printf("%s → %v\n", key, n.Field(key))
	}
	// Output:
	// Phone Number: → Phone
	// e-mail → Email
	// telegram_або_телефон → Phone
	// favourite_course → Answer
}
