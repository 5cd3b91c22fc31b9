// Package contact holds the contact-data normalisers shared by metaleads,
// alfacrm and enrich: e-mail addresses, phone numbers (E.164 through
// github.com/nyaruka/phonenumbers) and personal names.
//
// Every function is pure, safe for concurrent use and returns its input
// unchanged (without allocating) when it is already normalised, where the
// data allows it.
package contact

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// isBlank reports whether r is white space or an invisible formatting
// character people paste along with contact data (NBSP is covered by
// unicode.IsSpace; zero-width spaces, joiners and the BOM are not).
func isBlank(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return unicode.IsSpace(r)
}

// trim removes leading and trailing blanks (see isBlank) from s.
func trim(s string) string {
	// Fast path for the common ASCII case.
	if s != "" && s[0] > ' ' && s[0] < utf8.RuneSelf && s[len(s)-1] > ' ' && s[len(s)-1] < utf8.RuneSelf {
		return s
	}
	return strings.TrimFunc(s, isBlank)
}

// trimPrefixFold removes prefix from s when s starts with it, ignoring ASCII
// case. prefix must be lower-case ASCII.
func trimPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// Digits returns the ASCII digits of s in order, dropping everything else.
// Other Unicode decimal digits are dropped as well. s is returned as is when
// it contains nothing but ASCII digits.
func Digits(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	if n == len(s) {
		return s
	}
	if n == 0 {
		return ""
	}
	b := make([]byte, 0, n)
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// Name trims s and collapses every run of blanks (spaces, tabs, new lines,
// NBSP, zero-width spaces...) inside it into a single ASCII space. Case is
// left untouched.
func Name(s string) string {
	s = trim(s)
	clean := true
	prevSpace := false
	for _, r := range s {
		if isBlank(r) {
			if r != ' ' || prevSpace {
				clean = false
				break
			}
			prevSpace = true
			continue
		}
		prevSpace = false
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	prevSpace = false
	for _, r := range s {
		if isBlank(r) {
			if !prevSpace {
				b.WriteByte(' ')
			}
			prevSpace = true
			continue
		}
		prevSpace = false
		b.WriteRune(r)
	}
	return b.String()
}

// SplitName splits a full name into a first and a last name: the first word
// (after Name normalisation) is the first name and the rest is the last name,
// so "Ivan  Petrenko" gives ("Ivan", "Petrenko") and a single word gives
// (word, ""). This matches the "First Last" order of Facebook profile names;
// it is a heuristic and cannot recognise surname-first orders.
func SplitName(full string) (first, last string) {
	full = Name(full)
	first, last, _ = strings.Cut(full, " ")
	return first, last
}
