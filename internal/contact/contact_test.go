package contact

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPhone(t *testing.T) {
	tests := []struct {
		raw, region string
		want        string // "" means not ok
	}{
		{"+380 63 123 4567", "UA", "+380631234567"},
		{"+380631234567", "UA", "+380631234567"},
		{"+380631234567", "", "+380631234567"},
		{"+380631234567", "PL", "+380631234567"},
		{"0631234567", "UA", "+380631234567"},
		{"063 123 45 67", "ua", "+380631234567"},
		{"380631234567", "UA", "+380631234567"},
		{"380631234567", "PL", "+380631234567"},
		{"380631234567", "", "+380631234567"},
		{"+38 063 1234567", "UA", "+380631234567"},
		{"+380 (63) 123-45-67", "UA", "+380631234567"},
		{"+380 0 63 123 45 67", "UA", "+380631234567"},
		{"8 (063) 123-45-67", "UA", "+380631234567"},
		{"8-063-123-45-67", "UA", "+380631234567"},
		{"00380631234567", "UA", "+380631234567"},
		{"+0631234567", "UA", "+380631234567"},
		{"tel:+380631234567", "UA", "+380631234567"},
		{"TEL: 063.123.45.67", "UA", "+380631234567"},
		{"\u00a0+380\u00a063\u00a0123\u00a04567\u200b", "UA", "+380631234567"},
		{"+380\u201263\u2013123\u201445\u221267", "UA", "+380631234567"},
		{"8 (912) 345-67-89", "RU", "+79123456789"},
		{"+48 512 345 678", "UA", "+48512345678"},
		{"48512345678", "UA", "+48512345678"},
		{"+44 (0) 20 7946 0958", "UA", "+442079460958"},
		{"+1 201 555 0123", "UA", "+12015550123"},
		{"12015550123", "UA", "+12015550123"},

		{"", "UA", ""},
		{"   ", "UA", ""},
		{"tel:", "UA", ""},
		{"+", "UA", ""},
		{"---", "UA", ""},
		{"no phone", "UA", ""},
		{"063 ABC 45 67", "UA", ""},
		{"1-800-FLOWERS", "US", ""},
		{"+380631234567 ext. 5", "UA", ""},
		{"+380631234567#", "UA", ""},
		{"++380631234567", "UA", ""},
		{"063+1234567", "UA", ""},
		{"+380000000000", "UA", ""},                // possible but not valid
		{"123", "UA", ""},                          // too short
		{"0631234567", "", ""},                     // national number without region
		{"0631234567", "XX", ""},                   // unknown region
		{"8 (063) 123-45-67", "PL", ""},            // no trunk-8 fallback outside ex-USSR
		{"+380631234567, +380671234567", "UA", ""}, // two numbers
		{strings.Repeat("1", 21), "UA", ""},
		{strings.Repeat(" ", 100) + "0631234567", "UA", "+380631234567"},
		{"0631234567" + strings.Repeat("-", 60), "UA", ""}, // too long
	}
	for _, tt := range tests {
		t.Run(tt.raw+"/"+tt.region, func(t *testing.T) {
			got, ok := Phone(tt.raw, tt.region)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.want != "", ok)
			if ok {
				again, ok2 := Phone(got, tt.region)
				assert.True(t, ok2)
				assert.Equal(t, got, again, "idempotence")
			}
		})
	}
}

func TestNationalNumber(t *testing.T) {
	tests := map[string]string{
		"+380631234567":   "631234567",
		" +48512345678 ":  "512345678",
		"+12015550123":    "2015550123",
		"+442079460958":   "2079460958",
		"+390612345678":   "0612345678", // Italian leading zero is significant
		"380631234567":    "",
		"":                "",
		"+":               "",
		"+abc":            "",
		"+999999999999":   "",
		"tel:+3806312345": "",
	}
	for in, want := range tests {
		assert.Equal(t, want, NationalNumber(in), "NationalNumber(%q)", in)
	}
}

func TestEmail(t *testing.T) {
	tests := map[string]string{
		"ivan.petrenko@example.com":                  "ivan.petrenko@example.com",
		"  Ivan.Petrenko@Example.COM\u00a0":          "ivan.petrenko@example.com",
		"\u200bivan@example.com\ufeff":               "ivan@example.com",
		"mailto:ivan@example.com":                    "ivan@example.com",
		"MAILTO: Ivan@Example.com":                   "ivan@example.com",
		"mailto:mailto:ivan@example.com":             "ivan@example.com",
		"mailto:ivan@example.com?subject=Hi%20there": "ivan@example.com",
		"ivan+leads@sub.example.co.uk":               "ivan+leads@sub.example.co.uk",
		"ivan@example.com.":                          "ivan@example.com",
		"Олена@Приклад.укр":                          "олена@приклад.укр",
		"":                                           "",
		"ivan":                                       "",
		"ivan@":                                      "",
		"@example.com":                               "",
		"ivan@example":                               "",
		"ivan@example.c":                             "",
		"ivan@.example.com":                          "",
		"ivan@example..com":                          "",
		"ivan@@example.com":                          "",
		"ivan@example.com@example.com":               "",
		"ivan petrenko@example.com":                  "",
		"Ivan <ivan@example.com>":                    "",
		"ivan@example.com, olena@example.com":        "",
		"ivan@exam\x00ple.com":                       "",
		"ivan@example.com\xff":                       "",
		strings.Repeat("a", 250) + "@example.com":    "",
		"mailto:":                                    "",
		"ivan@example.com?":                          "",
		"ivan@exa_mple.com":                          "",
		"ivan@example.com/":                          "",
		"o'brien+x@example-mail.com":                 "o'brien+x@example-mail.com",
	}
	for in, want := range tests {
		got := Email(in)
		assert.Equal(t, want, got, "Email(%q)", in)
		assert.Equal(t, got, Email(got), "idempotence for %q", in)
	}
}

func TestDigits(t *testing.T) {
	assert.Equal(t, "380631234567", Digits("+380 (63) 123-45-67"))
	assert.Equal(t, "123", Digits("123"))
	assert.Equal(t, "", Digits("abc"))
	assert.Equal(t, "", Digits(""))
	assert.Equal(t, "21", Digits("١2a٣1"), "non-ASCII digits are dropped")
}

func TestName(t *testing.T) {
	tests := map[string]string{
		"Ivan Petrenko":               "Ivan Petrenko",
		"  Ivan \t\n Petrenko\u00a0 ": "Ivan Petrenko",
		"Олена\u00a0\u00a0Коваленко":  "Олена Коваленко",
		"Ivan\u200bPetrenko":          "Ivan Petrenko",
		"":                            "",
		"   ":                         "",
		"ivan":                        "ivan",
	}
	for in, want := range tests {
		assert.Equal(t, want, Name(in), "Name(%q)", in)
	}
}

func TestSplitName(t *testing.T) {
	tests := []struct{ in, first, last string }{
		{"Ivan Petrenko", "Ivan", "Petrenko"},
		{"  Ivan   Petrenko ", "Ivan", "Petrenko"},
		{"Mary Ann Smith", "Mary", "Ann Smith"},
		{"Олена", "Олена", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		first, last := SplitName(tt.in)
		assert.Equal(t, tt.first, first, tt.in)
		assert.Equal(t, tt.last, last, tt.in)
	}
}

func TestNoAllocsWhenNormalised(t *testing.T) {
	for _, f := range []func(){
		func() { _ = Email("ivan.petrenko@example.com") },
		func() { _ = Name("Ivan Petrenko") },
		func() { _ = Digits("380631234567") },
	} {
		assert.Zero(t, testing.AllocsPerRun(100, f))
	}
}

// checkPhone asserts the invariants of a Phone result.
func checkPhone(t *testing.T, raw, region, got string, ok bool) {
	t.Helper()
	if !ok {
		require.Empty(t, got, "Phone(%q, %q) not ok but non-empty", raw, region)
		return
	}
	require.True(t, len(got) > 1 && got[0] == '+', "Phone(%q, %q) = %q", raw, region, got)
	require.Equal(t, got[1:], Digits(got[1:]), "Phone(%q, %q) = %q", raw, region, got)
	num, err := phonenumbers.Parse(got, "")
	require.NoError(t, err)
	require.True(t, phonenumbers.IsValidNumber(num))
	require.Equal(t, got, phonenumbers.Format(num, phonenumbers.E164))
	for _, r := range []string{region, "", "US"} {
		again, ok2 := Phone(got, r)
		require.True(t, ok2, "Phone(%q, %q) from %q", got, r, raw)
		require.Equal(t, got, again, "idempotence for %q", raw)
	}
	require.NotEmpty(t, NationalNumber(got))
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{
		"+380 63 123 4567", "0631234567", "380631234567", "+38 063 1234567",
		"+380 (63) 123-45-67", "8 (063) 123-45-67", "tel:+380631234567",
		"+0631234567", "00380631234567", "48512345678", "+44 (0) 20 7946 0958",
		"abc", "", "+", "++1", "\u00a0063\u2013123\u201445\u221267",
	} {
		f.Add(s, "UA")
	}
	f.Add("8 (912) 345-67-89", "RU")
	f.Add("+12015550123", "")
	f.Fuzz(func(t *testing.T, raw, region string) {
		got, ok := Phone(raw, region)
		checkPhone(t, raw, region, got, ok)
	})
}

func FuzzEmail(f *testing.F) {
	for _, s := range []string{
		"ivan@example.com", " Ivan@Example.COM\u00a0", "mailto:ivan@example.com?x",
		"mailto:mailto: a@b.cd", "a@b.c.", "Олена@Приклад.укр", "İ@example.com", "@", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Email(s)
		if got == "" {
			return
		}
		require.Equal(t, got, Email(got), "idempotence for %q", s)
		require.Equal(t, got, strings.ToLower(got))
		require.Equal(t, got, strings.TrimFunc(got, isBlank))
		require.True(t, utf8.ValidString(got))
		require.Equal(t, 1, strings.Count(got, "@"))
		local, domain, _ := strings.Cut(got, "@")
		require.NotEmpty(t, local)
		require.Contains(t, domain, ".")
	})
}

func FuzzName(f *testing.F) {
	f.Add("  Ivan \t Petrenko\u00a0")
	f.Add("Олена\u200bКоваленко")
	f.Fuzz(func(t *testing.T, s string) {
		got := Name(s)
		require.Equal(t, got, Name(got))
		require.NotContains(t, got, "  ")
		first, last := SplitName(s)
		require.Equal(t, got, strings.TrimSpace(first+" "+last))
	})
}

func BenchmarkPhone(b *testing.B) {
	inputs := []struct{ raw, region string }{
		{"+380631234567", "UA"},
		{"+380 (63) 123-45-67", "UA"},
		{"0631234567", "UA"},
		{"8 (063) 123-45-67", "UA"},
		{"not a phone", "UA"},
	}
	for _, in := range inputs {
		b.Run(in.raw, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Phone(in.raw, in.region)
			}
		})
	}
}

func BenchmarkEmail(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Email(" Ivan.Petrenko@Example.COM ")
	}
}

func TestRegion(t *testing.T) {
	for in, want := range map[string]bool{"UA": true, " ua ": true, "pl": true, "US": true, "": false, "XX": false, "ZZ": false, "UKR": false} {
		r, ok := Region(in)
		assert.Equal(t, want, ok, in)
		assert.Equal(t, strings.ToUpper(strings.TrimSpace(in)), r)
	}
}
