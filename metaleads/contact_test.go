package metaleads

import (
	"cmp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecademy/leadkit/internal/contact"
)

func newTestNormalizer(t testing.TB, opts NormalizerOptions) *Normalizer {
	t.Helper()
	n, err := NewNormalizer(opts)
	require.NoError(t, err)
	return n
}

func contactFields(kv ...string) []Field {
	fs := make([]Field, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		fs = append(fs, Field{Name: kv[i], Values: []string{kv[i+1]}})
	}
	return fs
}

func TestNewNormalizer(t *testing.T) {
	n := newTestNormalizer(t, NormalizerOptions{})
	assert.Equal(t, "UA", n.region)

	n = newTestNormalizer(t, NormalizerOptions{Region: "pl"})
	assert.Equal(t, "PL", n.region)

	for _, opts := range []NormalizerOptions{
		{Region: "XX"},
		{Region: "UKR"},
		{Region: "ZZ"},
		{Aliases: map[string]ContactField{" ?": EmailField}},
		{Aliases: map[string]ContactField{"x": ContactField(99)}},
		{Aliases: map[string]ContactField{"x": ContactField(-1)}},
	} {
		_, err := NewNormalizer(opts)
		assert.Error(t, err, "%+v", opts)
	}
}

func TestNormalizer_ContactStandardKeys(t *testing.T) {
	n := newTestNormalizer(t, NormalizerOptions{})
	c := n.Contact(contactFields(
		"full_name", "  Ivan   Petrenko ",
		"email", " Ivan.Petrenko@Example.COM ",
		"phone_number", "+380631234567",
		"country", "UA",
		"city", "Kyiv",
		"state", "Kyivska",
		"zip", "01001",
		"street_address", "1 Example St",
		"company_name", "Example LLC",
		"job_title", "Tester",
		"date_of_birth", "01/02/1990",
		"gender", "male",
		"how_did_you_hear_about_us?", "Friends",
	))
	assert.Equal(t, Contact{
		FullName: "Ivan Petrenko", FirstName: "Ivan", LastName: "Petrenko",
		Email: "ivan.petrenko@example.com", Phone: "+380631234567", PhoneRaw: "+380631234567",
		Country: "UA", City: "Kyiv", State: "Kyivska", ZIP: "01001", Street: "1 Example St",
		CompanyName: "Example LLC", JobTitle: "Tester", DateOfBirth: "01/02/1990", Gender: "male",
		Answers: map[string]string{"how_did_you_hear_about_us?": "Friends"},
	}, c)
}

func TestNormalizer_ContactLocalizedKeys(t *testing.T) {
	n := newTestNormalizer(t, NormalizerOptions{})
	tests := []struct {
		key   string
		field ContactField
	}{
		{"имя", FirstNameField}, {"Имя:", FirstNameField}, {"фио", FullNameField}, {"ФИО", FullNameField},
		{"полное_имя", FullNameField}, {"Полное имя", FullNameField}, {"имя_и_фамилия", FullNameField},
		{"фамилия", LastNameField}, {"эл._адрес", EmailField}, {"Эл. адрес", EmailField},
		{"электронная_почта", EmailField}, {"email_адрес", EmailField}, {"телефон", PhoneField},
		{"Номер телефона?", PhoneField}, {"город", CityField}, {"страна", CountryField},
		{"ім'я", FirstNameField}, {"ім’я", FirstNameField}, {"імʼя", FirstNameField}, {"Ім‘я", FirstNameField},
		{"повне_ім'я", FullNameField}, {"Повне ім’я", FullNameField}, {"прізвище", LastNameField},
		{"електронна_пошта", EmailField}, {"ел._адреса", EmailField}, {"номер_телефону", PhoneField},
		{"Номер телефону:", PhoneField}, {"місто", CityField}, {"країна", CountryField},
		{"imię", FirstNameField}, {"nazwisko", LastNameField}, {"numer telefonu", PhoneField},
		{"Vorname", FirstNameField}, {"Nachname", LastNameField}, {"Telefonnummer", PhoneField},
		{"E-Mail-Adresse", EmailField}, {"nombre_completo", FullNameField}, {"¿Teléfono?", PhoneField},
		{"correo electrónico", EmailField},
		{"Full Name", FullNameField}, {"FIRST-NAME", FirstNameField}, {" Phone Number: ", PhoneField},
		{"e-mail", EmailField}, {"work_email", EmailField}, {"work_phone_number", PhoneField},
		{"province", StateField}, {"post_code", ZIPField}, {"phone", PhoneField}, {"zip", ZIPField},
		{"company_name", CompanyField}, {"job_title", JobTitleField}, {"date_of_birth", DOBField},
		{"gender", GenderField}, {"street_address", StreetField},
		{"куди_відправити_інформацію?", AnswerField}, {"phone_or_email", AnswerField}, {"", AnswerField},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.field, n.Field(tt.key), "key %q", tt.key)
	}

	c := n.Contact(contactFields(
		"ім'я", "Олена",
		"прізвище", "Коваленко",
		"електронна_пошта", "mailto:Olena@Example.com",
		"номер_телефону", "8 (063) 123-45-67",
		"місто", "Львів",
		"куди_відправити_інформацію?", "Telegram",
	))
	assert.Equal(t, "Олена Коваленко", c.FullName)
	assert.Equal(t, "Олена", c.FirstName)
	assert.Equal(t, "Коваленко", c.LastName)
	assert.Equal(t, "olena@example.com", c.Email)
	assert.Equal(t, "+380631234567", c.Phone)
	assert.Equal(t, "8 (063) 123-45-67", c.PhoneRaw)
	assert.Equal(t, "Львів", c.City)
	assert.Equal(t, map[string]string{"куди_відправити_інформацію?": "Telegram"}, c.Answers)
}

func TestNormalizer_ContactNames(t *testing.T) {
	n := newTestNormalizer(t, NormalizerOptions{})
	tests := []struct {
		fields            []Field
		full, first, last string
	}{
		{contactFields("first_name", "Ivan", "last_name", "Petrenko"), "Ivan Petrenko", "Ivan", "Petrenko"},
		{contactFields("first_name", " Ivan "), "Ivan", "Ivan", ""},
		{contactFields("last_name", "Petrenko"), "Petrenko", "", "Petrenko"},
		{contactFields("full_name", "Ivan Petrenko"), "Ivan Petrenko", "Ivan", "Petrenko"},
		{contactFields("full_name", "Ivan"), "Ivan", "Ivan", ""},
		{contactFields("full_name", "Ivan P.", "first_name", "Ivan"), "Ivan P.", "Ivan", ""},
		{contactFields("full_name", "Ivan Petrenko", "first_name", "John", "last_name", "Doe"), "Ivan Petrenko", "John", "Doe"},
		{nil, "", "", ""},
		{contactFields("full_name", "   "), "", "", ""},
	}
	for _, tt := range tests {
		c := n.Contact(tt.fields)
		assert.Equal(t, tt.full, c.FullName, "%v", tt.fields)
		assert.Equal(t, tt.first, c.FirstName, "%v", tt.fields)
		assert.Equal(t, tt.last, c.LastName, "%v", tt.fields)
	}
}

func TestNormalizer_ContactPhones(t *testing.T) {
	n := newTestNormalizer(t, NormalizerOptions{})

	c := n.Contact(contactFields("phone_number", "call me maybe"))
	assert.Empty(t, c.Phone)
	assert.Equal(t, "call me maybe", c.PhoneRaw)
	assert.Nil(t, c.Answers)

	// The first valid number wins; the invalid one is kept as an answer.
	c = n.Contact(contactFields("phone", "12", "work_phone_number", "063 123 45 67"))
	assert.Equal(t, "+380631234567", c.Phone)
	assert.Equal(t, "063 123 45 67", c.PhoneRaw)
	assert.Equal(t, map[string]string{"phone": "12"}, c.Answers)

	// Two valid numbers: the second one is kept as an answer.
	c = n.Contact(contactFields("phone_number", "+380631234567", "телефон", "+48 512 345 678"))
	assert.Equal(t, "+380631234567", c.Phone)
	assert.Equal(t, map[string]string{"телефон": "+48 512 345 678"}, c.Answers)

	// The lead's own country wins over the default region.
	c = n.Contact(contactFields("country", "pl", "phone_number", "512 345 678"))
	assert.Equal(t, "+48512345678", c.Phone)
	c = n.Contact(contactFields("phone_number", "512 345 678"))
	assert.Equal(t, "+380512345678", c.Phone)
	// ...but a number only valid in the default region still parses.
	c = n.Contact(contactFields("country", "PL", "phone_number", "0631234567"))
	assert.Equal(t, "+380631234567", c.Phone)

	// Other default regions.
	pl := newTestNormalizer(t, NormalizerOptions{Region: "PL"})
	c = pl.Contact(contactFields("phone_number", "512 345 678"))
	assert.Equal(t, "+48512345678", c.Phone)
}

func TestNormalizer_ContactEmails(t *testing.T) {
	n := newTestNormalizer(t, NormalizerOptions{})
	c := n.Contact(contactFields("email", "not an email", "work_email", "Ivan@Example.com", "e-mail", "second@example.com"))
	assert.Equal(t, "ivan@example.com", c.Email)
	assert.Equal(t, map[string]string{"email": "not an email", "e-mail": "second@example.com"}, c.Answers)
}

func TestNormalizer_ContactAnswers(t *testing.T) {
	n := newTestNormalizer(t, NormalizerOptions{})
	c := n.Contact([]Field{
		{Name: "which_courses?", Values: []string{" Go ", "", "Rust"}},
		{Name: "empty", Values: nil},
		{Name: "blank", Values: []string{"  "}},
		{Name: "comment", Values: []string{" line 1\nline 2 "}},
		{Name: "comment", Values: []string{"again"}},
		{Name: "city", Values: []string{"Kyiv"}},
		{Name: "City", Values: []string{"Lviv"}},
	})
	assert.Equal(t, "Kyiv", c.City)
	assert.Equal(t, map[string]string{
		"which_courses?": "Go, Rust",
		"comment":        "line 1\nline 2, again",
		"City":           "Lviv",
	}, c.Answers)
}

func TestNormalizer_Aliases(t *testing.T) {
	n := newTestNormalizer(t, NormalizerOptions{Aliases: map[string]ContactField{
		"Ваш нік у Telegram?": AnswerField,
		"Контакт для зв'язку": PhoneField,
		"city":                AnswerField, // demote a default
		"name":                FirstNameField,
	}})
	c := n.Contact(contactFields(
		"контакт_для_зв’язку", "+380631234567",
		"city", "Kyiv",
		"name", "Ivan",
	))
	assert.Equal(t, "+380631234567", c.Phone)
	assert.Empty(t, c.City)
	assert.Equal(t, "Ivan", c.FirstName)
	assert.Equal(t, "Ivan", c.FullName)
	assert.Equal(t, map[string]string{"city": "Kyiv"}, c.Answers)

	// The defaults are untouched by another normalizer's aliases.
	assert.Equal(t, CityField, DefaultAliases()["city"])
	assert.Equal(t, CityField, newTestNormalizer(t, NormalizerOptions{}).Field("city"))

	// DefaultAliases returns a copy.
	m := DefaultAliases()
	m["city"] = GenderField
	assert.Equal(t, CityField, DefaultAliases()["city"])
	for k := range m {
		assert.Equal(t, k, normKey(k), "default alias keys are normalised")
	}
}

// Field reports what Contact does with a key: the defaults, the
// normalizer's own aliases (added, overriding or demoting a default), and
// AnswerField for everything else.
func TestNormalizer_Field(t *testing.T) {
	def := newTestNormalizer(t, NormalizerOptions{})
	custom := newTestNormalizer(t, NormalizerOptions{Aliases: map[string]ContactField{
		"Ваш нік у Telegram?": AnswerField,
		"Контакт для зв'язку": PhoneField,
		"city":                AnswerField,
		"name":                FirstNameField,
	}})
	tests := []struct {
		key         string
		def, custom ContactField
	}{
		{"email", EmailField, EmailField},
		{" Phone Number: ", PhoneField, PhoneField},
		{"City", CityField, AnswerField},
		{"name", FullNameField, FirstNameField},
		{"контакт_для_зв’язку", AnswerField, PhoneField},
		{"Ваш нік у Telegram", AnswerField, AnswerField},
		{"favourite_course", AnswerField, AnswerField},
		{"", AnswerField, AnswerField},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.def, def.Field(tt.key), "default, key %q", tt.key)
		assert.Equal(t, tt.custom, custom.Field(tt.key), "custom, key %q", tt.key)
	}

	// Field agrees with Contact: a usable value lands where Field says.
	usable := map[ContactField]string{EmailField: "olena@example.com", PhoneField: "+380631234567"}
	for _, tt := range tests[:len(tests)-1] {
		c := custom.Contact(contactFields(tt.key, cmp.Or(usable[tt.custom], "Kyiv")))
		_, inAnswers := c.Answers[tt.key]
		assert.Equal(t, tt.custom == AnswerField, inAnswers, "key %q: %+v", tt.key, c)
	}
}

func TestNormKey(t *testing.T) {
	tests := map[string]string{
		"phone_number":        "phone_number",
		"  Phone   Number?  ": "phone_number",
		"phone-number:":       "phone_number",
		"Phone__Number":       "phone_number",
		"Ім’я":                "ім'я",
		"Номер телефону?:":    "номер_телефону",
		"¿Teléfono?":          "teléfono",
		"Эл. адрес":           "эл._адрес",
		"Куди відправити інформацію?": "куди_відправити_інформацію",
		"?": "",
		"":  "",
	}
	for in, want := range tests {
		assert.Equal(t, want, normKey(in), "normKey(%q)", in)
	}
}

func TestContactField_String(t *testing.T) {
	assert.Equal(t, "Email", EmailField.String())
	assert.Equal(t, "Answer", AnswerField.String())
	assert.Equal(t, "Gender", GenderField.String())
	assert.Equal(t, "ContactField(99)", ContactField(99).String())
}

func TestNormalizer_ContactFromLead(t *testing.T) {
	n := newTestNormalizer(t, NormalizerOptions{})
	l := Lead{ID: "1", Fields: contactFields("email", "ivan@example.com")}
	assert.Equal(t, n.Contact(l.Fields), n.ContactFromLead(l))
	assert.Equal(t, "ivan@example.com", n.ContactFromLead(l).Email)
}

func TestNormalizer_AnswersByLabel(t *testing.T) {
	n := newTestNormalizer(t, NormalizerOptions{})
	form := Form{ID: "42", Name: "Courses", Questions: []Question{
		{Key: "email", Label: "Email", Type: "EMAIL"},
		{Key: "куди_відправити_інформацію?", Label: "Куди відправити інформацію?", Type: "CUSTOM",
			Options: []QuestionOption{{Key: "tg", Value: "Telegram"}, {Key: "viber", Value: "Viber"}}},
		{Key: "level", Label: "  Your   level ", Type: "CUSTOM",
			Options: []QuestionOption{{Key: "beginner", Value: "Beginner"}, {Key: "Advanced", Value: "advanced_key"}}},
		{Key: "no_label", Type: "CUSTOM"},
		{Key: "dup_a", Label: "Same"},
		{Key: "dup_b", Label: "Same"},
		{Key: "Case Key", Label: "Normalised"},
	}}
	c := n.Contact(contactFields(
		"email", "ivan@example.com",
		"куди_відправити_інформацію?", "tg",
		"level", "beginner",
		"no_label", "x",
		"unknown", "y",
		"dup_a", "a",
		"dup_b", "b",
		"case_key", "z",
	))
	got := n.AnswersByLabel(c, form)
	assert.Equal(t, map[string]string{
		"Куди відправити інформацію?": "Telegram",
		"Your level": "Beginner",
		"no_label":   "x",
		"unknown":    "y",
		"Same":       "a",
		"dup_b":      "b",
		"Normalised": "z",
	}, got)

	// An answer that is an option's value is never remapped.
	c = Contact{Answers: map[string]string{"level": "advanced_key"}}
	assert.Equal(t, map[string]string{"Your level": "advanced_key"}, n.AnswersByLabel(c, form))

	assert.Nil(t, n.AnswersByLabel(Contact{}, form))
	assert.Equal(t, map[string]string{"unknown": "y"}, n.AnswersByLabel(Contact{Answers: map[string]string{"unknown": "y"}}, Form{}))
}

func TestNormalizer_Concurrent(t *testing.T) {
	n := newTestNormalizer(t, NormalizerOptions{})
	fields := contactFields("full_name", "Ivan Petrenko", "phone_number", "063 123 45 67", "email", "IVAN@example.com", "q", "a")
	want := n.Contact(fields)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				assert.Equal(t, want, n.Contact(fields))
			}
		})
	}
	wg.Wait()
}

func FuzzContact(f *testing.F) {
	f.Add("phone_number", "8 (063) 123-45-67", "email", " Ivan@Example.com ", "full_name", "Ivan  Petrenko")
	f.Add("номер_телефону", "+380631234567", "Електронна пошта", "mailto:olena@example.com", "ім’я", "Олена")
	f.Add("country", "PL", "phone", "512345678", "q?", "a")
	f.Add("phone", "", "work_email", "x@", "", "")
	n := newTestNormalizer(f, NormalizerOptions{})
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3 string) {
		c := n.Contact([]Field{{Name: k1, Values: []string{v1}}, {Name: k2, Values: []string{v2, v1}}, {Name: k3, Values: []string{v3}}})
		if c.Email != "" {
			require.Equal(t, c.Email, contact.Email(c.Email))
			require.Equal(t, strings.ToLower(c.Email), c.Email)
			require.Equal(t, strings.TrimSpace(c.Email), c.Email)
		}
		if c.Phone != "" {
			require.True(t, c.Phone[0] == '+' && len(c.Phone) > 1, "phone %q", c.Phone)
			require.Equal(t, c.Phone[1:], contact.Digits(c.Phone[1:]), "phone %q", c.Phone)
			require.NotEmpty(t, c.PhoneRaw)
		}
		for _, s := range []string{c.FullName, c.FirstName, c.LastName, c.City, c.Country} {
			require.Equal(t, contact.Name(s), s)
		}
		if c.FirstName != "" || c.LastName != "" {
			require.NotEmpty(t, c.FullName)
		}
		for _, v := range c.Answers {
			require.NotEmpty(t, v)
		}
		require.Equal(t, normKey(k1), normKey(normKey(k1)), "normKey idempotence")
		_ = n.AnswersByLabel(c, Form{Questions: []Question{{Key: k1, Label: v1}, {Key: k3, Label: v2}}})
	})
}
