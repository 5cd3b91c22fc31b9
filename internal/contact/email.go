package contact

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxEmailLen is the RFC 5321 limit on the length of a forward path.
const maxEmailLen = 254

// Email normalises an e-mail address typed by a person: it trims blanks
// (including NBSP and zero-width spaces), strips any "mailto:" prefix and
// "?subject=..." query, drops trailing dots of the domain and lower-cases the
// result.
//
// It returns "" when the result is not plausibly an e-mail address: it must
// have exactly one '@', a non-empty local part and a domain made of at least
// two non-empty dot-separated labels of letters, digits and '-', the last one
// two or more characters long. Blanks, control characters and the characters `"(),:;<>[\]`
// are rejected anywhere. Internationalised (non-ASCII) addresses are accepted.
//
// Email is idempotent: Email(Email(s)) == Email(s).
func Email(s string) string {
	s = trim(s)
	for {
		rest, ok := trimPrefixFold(s, "mailto:")
		if !ok {
			break
		}
		s = trim(rest)
		if i := strings.IndexByte(s, '?'); i >= 0 {
			s = trim(s[:i])
		}
	}
	s = strings.TrimRight(s, ".")
	if len(s) > maxEmailLen || !utf8.ValidString(s) {
		return ""
	}
	at := strings.IndexByte(s, '@')
	if at <= 0 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return ""
	}
	for _, r := range s {
		if isBlank(r) || unicode.IsControl(r) || strings.ContainsRune(`"(),:;<>[\]`, r) {
			return ""
		}
	}
	s = strings.ToLower(s) // may change byte lengths of non-ASCII runes
	if !plausibleDomain(s[strings.IndexByte(s, '@')+1:]) {
		return ""
	}
	return s
}

// plausibleDomain reports whether d has at least two non-empty labels made
// of letters, digits, marks and '-', and a top-level label of two or more
// characters.
func plausibleDomain(d string) bool {
	dot := strings.LastIndexByte(d, '.')
	if dot <= 0 || utf8.RuneCountInString(d[dot+1:]) < 2 || strings.Contains(d, "..") || d[0] == '.' {
		return false
	}
	for _, r := range d {
		if r != '.' && r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) {
			return false
		}
	}
	return true
}
