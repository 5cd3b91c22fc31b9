package contact

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

const (
	// maxPhoneInput bounds the (trimmed) input Phone looks at, in bytes.
	maxPhoneInput = 64
	// maxPhoneDigits bounds the digits Phone accepts: 15 for E.164 plus room
	// for an international ("00") or trunk ("0", "8") prefix and a typo'd
	// extra national prefix such as "+38 0 063...".
	maxPhoneDigits = 20
)

// trunk8Regions are the regions where people still type the Soviet-era long
// distance prefix "8" in front of a national number ("8 (063) 123-45-67" in
// Ukraine means 063 123 45 67). Russia and Kazakhstan are not listed: "8" is
// their current national prefix and phonenumbers handles it itself.
var trunk8Regions = map[string]bool{
	"AM": true, "AZ": true, "BY": true, "GE": true, "KG": true,
	"MD": true, "TJ": true, "TM": true, "UA": true, "UZ": true,
}

// isPhoneSeparator reports whether r is punctuation people put between the
// digits of a phone number.
func isPhoneSeparator(r rune) bool {
	switch r {
	case '-', '.', '(', ')', '/', '\u00ad', '\u2212':
		return true
	}
	return r >= '\u2010' && r <= '\u2015' || isBlank(r)
}

// Phone normalises a phone number typed by a person to E.164 ("+380631234567").
// region is the ISO 3166-1 alpha-2 region assumed for numbers written without
// a country code ("UA"); it may be "" when only international input is
// expected.
//
// The input may carry a "tel:" prefix, blanks (including NBSP), dashes, dots,
// slashes and parentheses, and a leading '+'. Any other character (letters,
// '#', '*', a second '+', ...) makes the input garbage and Phone returns
// ("", false). Interpretations are tried in this order, and the first one
// that gives a valid number wins:
//
//  1. the digits as written, with region as the default region (this handles
//     "+380 63 123 4567", "0631234567", "380631234567", "+38 063 1234567",
//     "+380 (63) 123-45-67", "00380631234567", ...);
//  2. without a '+': the digits with a '+' prefix, for a country code typed
//     without it ("48512345678" under region "UA"); with a '+': the digits
//     without it, for a stray '+' in front of a national number ("+0631234567");
//  3. in the former USSR regions listed in trunk8Regions, the digits without
//     a leading "8" (the old long-distance prefix: "8 (063) 123-45-67").
//
// Only numbers phonenumbers.IsValidNumber accepts are returned. There is
// deliberately no fallback to IsPossibleNumber: "possible" only checks the
// length, so it would accept typos and unallocated ranges, and a CRM contact
// with a wrong number is worse than one flagged as having none.
//
// Phone is idempotent: Phone(e164, region) returns (e164, true) for every ok
// result, whatever region. The phonenumbers metadata is loaded once, at
// package initialisation; each attempt above is a single parse.
func Phone(raw, region string) (e164 string, ok bool) {
	s := trim(raw)
	if rest, found := trimPrefixFold(s, "tel:"); found {
		s = trim(rest)
	}
	if s == "" || len(s) > maxPhoneInput {
		return "", false
	}

	// buf holds '+' followed by the digits, so that both the international
	// and the national spelling are views of a single allocation.
	var buf [1 + maxPhoneDigits]byte
	buf[0] = '+'
	n := 0
	plus := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if n == maxPhoneDigits {
				return "", false
			}
			n++
			buf[n] = byte(r)
		case r == '+' && i == 0:
			plus = true
		case isPhoneSeparator(r):
		default:
			return "", false
		}
	}
	if n == 0 {
		return "", false
	}
	region = strings.ToUpper(region) // no allocation when already upper-case
	international := string(buf[:n+1])
	national := international[1:]

	if plus {
		if e, ok := parseValid(international, region); ok {
			return e, true
		}
		return parseValid(national, region)
	}
	if e, ok := parseValid(national, region); ok {
		return e, true
	}
	if e, ok := parseValid(international, region); ok {
		return e, true
	}
	if national[0] == '8' && len(national) > 1 && trunk8Regions[region] {
		return parseValid(national[1:], region)
	}
	return "", false
}

// parseValid parses s once and formats it as E.164 when it is a valid number.
func parseValid(s, region string) (string, bool) {
	num, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}

// NationalNumber returns the national significant number of an E.164 number
// (as produced by Phone): the digits after the country code without any
// national prefix, e.g. "631234567" for "+380631234567". AlfaCRM stores phones
// as free text, so this is the substring to search it for. It returns "" when
// e164 does not start with '+' or cannot be parsed.
func NationalNumber(e164 string) string {
	s := trim(e164)
	if len(s) < 2 || s[0] != '+' {
		return ""
	}
	num, err := phonenumbers.Parse(s, "")
	if err != nil {
		return ""
	}
	return phonenumbers.GetNationalSignificantNumber(num)
}

// Region upper-cases region and reports whether phonenumbers has metadata
// for it, i.e. whether it is usable as the default region of Phone.
func Region(region string) (string, bool) {
	region = strings.ToUpper(strings.TrimSpace(region))
	return region, phonenumbers.GetSupportedRegions()[region]
}
