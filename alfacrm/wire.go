package alfacrm

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/shopspring/decimal"
)

// Tolerant wire types. AlfaCRM returns the same field with different JSON
// types across models, versions and instances (ids as numbers or strings,
// money as strings or numbers, flags as 0/1 or booleans, dates in three
// layouts or ""). These types accept every observed form and report other
// input with an error that names the expected type but never echoes the
// value, which may be personal data.

var null = []byte("null")

// errWire builds a decoding error without the offending value.
func errWire(want string) error { return errors.New("alfacrm: expected " + want) }

// unquote returns the content of a JSON string token, or ok=false when b is
// not a string.
func unquote(b []byte) (string, bool, error) {
	if len(b) == 0 || b[0] != '"' {
		return "", false, nil
	}
	if len(b) >= 2 && b[len(b)-1] == '"' && simpleString(b[1:len(b)-1]) {
		return string(b[1 : len(b)-1]), true, nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", true, errWire("a string")
	}
	return s, true, nil
}

// simpleString reports whether the content of a JSON string token needs no
// unescaping: no backslash, quote, control byte or non-ASCII byte (which
// json.Unmarshal would check for valid UTF-8).
func simpleString(b []byte) bool {
	for _, c := range b {
		if c == '\\' || c == '"' || c < 0x20 || c >= 0x80 {
			return false
		}
	}
	return true
}

// trimSpace trims Unicode white space (including NBSP).
func trimSpace(s string) string { return strings.TrimFunc(s, unicode.IsSpace) }

// flexInt decodes an integer sent as a number (1, 1.0, 1e3), a numeric
// string ("12", " 12 ", "12.00"), a boolean, or null / "" (zero).
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	n, err := parseFlexInt(b)
	*f = flexInt(n)
	return err
}

func parseFlexInt(b []byte) (int, error) {
	if len(b) == 0 || bytes.Equal(b, null) {
		return 0, nil
	}
	switch b[0] {
	case 't':
		return 1, nil
	case 'f':
		return 0, nil
	}
	s, isStr, err := unquote(b)
	if err != nil {
		return 0, err
	}
	if !isStr {
		s = string(b)
	}
	return atoiLoose(s)
}

// atoiLoose parses an integer that may be written as a decimal with a zero
// fraction; empty means 0.
func atoiLoose(s string) (int, error) {
	s = trimSpace(s)
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(s, 10, 0); err == nil {
		return int(n), nil
	}
	if len(s) > 40 {
		return 0, errWire("an integer")
	}
	d, err := decimal.NewFromString(s)
	if err != nil || d.Exponent() > 12 || d.Exponent() < -20 || !d.IsInteger() {
		return 0, errWire("an integer")
	}
	if d.Abs().GreaterThan(decimal.NewFromInt(math.MaxInt32)) {
		return 0, errWire("an integer in range")
	}
	return int(d.IntPart()), nil
}

// flexInts decodes a list of ids: an array of numbers or numeric strings, a
// single number, a comma-separated string, or null / "" / [] (none). Zero
// ids (null elements) are dropped.
type flexInts []int

func (f *flexInts) UnmarshalJSON(b []byte) error {
	*f = nil
	if len(b) == 0 || bytes.Equal(b, null) {
		return nil
	}
	if b[0] == '[' {
		raw, ok := elems(b)
		if !ok {
			return errWire("a list of ids")
		}
		out := make([]int, 0, len(raw))
		for _, r := range raw {
			n, err := parseFlexInt(r)
			if err != nil {
				return errWire("a list of ids")
			}
			if n != 0 {
				out = append(out, n)
			}
		}
		*f = out
		return nil
	}
	if s, isStr, err := unquote(b); err != nil {
		return err
	} else if isStr {
		for part := range strings.SplitSeq(s, ",") {
			n, err := atoiLoose(part)
			if err != nil {
				return errWire("a list of ids")
			}
			if n != 0 {
				*f = append(*f, n)
			}
		}
		return nil
	}
	n, err := parseFlexInt(b)
	if err != nil {
		return errWire("a list of ids")
	}
	if n != 0 {
		*f = flexInts{n}
	}
	return nil
}

// flexBool decodes a flag sent as 0/1, a boolean, "0"/"1"/"true"/"false",
// or null / "" (false). Any other number is true.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	v, err := parseFlexBool(b)
	*f = flexBool(v)
	return err
}

func parseFlexBool(b []byte) (bool, error) {
	if len(b) == 0 || bytes.Equal(b, null) {
		return false, nil
	}
	switch string(b) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	s, isStr, err := unquote(b)
	if err != nil {
		return false, err
	}
	if isStr {
		switch strings.ToLower(trimSpace(s)) {
		case "", "0", "false", "no", "n":
			return false, nil
		case "1", "true", "yes", "y":
			return true, nil
		}
		return false, errWire("a flag (0/1 or a boolean)")
	}
	d, err := decimal.NewFromString(string(b))
	if err != nil {
		return false, errWire("a flag (0/1 or a boolean)")
	}
	return !d.IsZero(), nil
}

// flexMoney decodes an amount sent as a decimal string ("6998.50",
// "-14 160,00"), a JSON number (kept exact: never through float64), or null
// / "" (zero).
type flexMoney struct{ d decimal.Decimal }

func (f *flexMoney) UnmarshalJSON(b []byte) error {
	d, err := parseMoney(b)
	f.d = d
	return err
}

func parseMoney(b []byte) (decimal.Decimal, error) {
	if len(b) == 0 || bytes.Equal(b, null) {
		return decimal.Decimal{}, nil
	}
	s, isStr, err := unquote(b)
	if err != nil {
		return decimal.Decimal{}, err
	}
	if !isStr {
		if b[0] == 't' || b[0] == 'f' || b[0] == '[' || b[0] == '{' {
			return decimal.Decimal{}, errWire("an amount")
		}
		s = string(b)
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\'' {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return decimal.Decimal{}, nil
	}
	if strings.IndexByte(s, '.') < 0 && strings.Count(s, ",") == 1 {
		s = strings.Replace(s, ",", ".", 1) // decimal comma: "1500,50"
	}
	if len(s) > 64 {
		return decimal.Decimal{}, errWire("an amount")
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, errWire("an amount")
	}
	if e := d.Exponent(); e > 18 || e < -18 || d.NumDigits() > 40 {
		return decimal.Decimal{}, errWire("an amount in range")
	}
	return d, nil
}

// flexString decodes a string, a number or a boolean (as its JSON text), or
// null (empty).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	*f = ""
	if len(b) == 0 || bytes.Equal(b, null) {
		return nil
	}
	s, isStr, err := unquote(b)
	if err != nil {
		return err
	}
	if isStr {
		*f = flexString(s)
		return nil
	}
	if b[0] == '[' || b[0] == '{' {
		return errWire("a string")
	}
	*f = flexString(b)
	return nil
}

// flexStrings decodes a list of strings (phones, e-mails, addresses): an
// array of strings or numbers, a single string, or null / "" (none). Empty
// elements are dropped.
type flexStrings []string

func (f *flexStrings) UnmarshalJSON(b []byte) error {
	*f = nil
	if len(b) == 0 || bytes.Equal(b, null) {
		return nil
	}
	if b[0] != '[' {
		var s flexString
		if err := s.UnmarshalJSON(b); err != nil {
			return errWire("a list of strings")
		}
		if trimSpace(string(s)) != "" {
			*f = flexStrings{string(s)}
		}
		return nil
	}
	raw, ok := elems(b)
	if !ok {
		return errWire("a list of strings")
	}
	out := make([]string, 0, len(raw))
	for _, r := range raw {
		var s flexString
		if err := s.UnmarshalJSON(r); err != nil {
			return errWire("a list of strings")
		}
		if trimSpace(string(s)) != "" {
			out = append(out, string(s))
		}
	}
	*f = out
	return nil
}

// teacherList decodes teacher_ids, which AlfaCRM sends as ids on some
// instances and as teacher names on others (even mixed): numbers and
// numeric strings become ids, other strings names.
type teacherList struct {
	ids   []int
	names []string
}

func (t *teacherList) UnmarshalJSON(b []byte) error {
	*t = teacherList{}
	if len(b) == 0 || bytes.Equal(b, null) {
		return nil
	}
	raw := [][]byte{b}
	if b[0] == '[' {
		var ok bool
		if raw, ok = elems(b); !ok {
			return errWire("a list of teacher ids or names")
		}
	}
	for _, r := range raw {
		if len(r) == 0 || bytes.Equal(r, null) {
			continue
		}
		s, isStr, err := unquote(r)
		if err != nil {
			return err
		}
		if !isStr {
			n, err := parseFlexInt(r)
			if err != nil || r[0] == 't' || r[0] == 'f' {
				return errWire("a list of teacher ids or names")
			}
			if n != 0 {
				t.ids = append(t.ids, n)
			}
			continue
		}
		s = trimSpace(s)
		if s == "" {
			continue
		}
		if n, err := strconv.Atoi(s); err == nil {
			if n != 0 {
				t.ids = append(t.ids, n)
			}
			continue
		}
		t.names = append(t.names, s)
	}
	return nil
}

// flexDate decodes an AlfaCRM date or date-time. The strings carry no
// offset: they are wall-clock values of the school's time zone, so the
// value is kept as civil fields and placed in a location by time(loc).
// Accepted: "DD.MM.YYYY", "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]",
// "YYYY-MM-DDTHH:MM:SS", "DD.MM.YYYY HH:MM[:SS]", RFC 3339 (with an offset,
// kept as an instant), a Unix timestamp number, and null / "" /
// "0000-00-00[ 00:00:00]" (none).
type flexDate struct {
	t   time.Time // civil fields in UTC, or an instant when abs
	abs bool
	set bool
}

var dateLayouts = []string{
	"2006-01-02 15:04:05",
	"2006-01-02",
	"02.01.2006",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"02.01.2006 15:04:05",
	"02.01.2006 15:04",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// dateLayout guesses the layout of the common forms from their shape, so
// that the usual case parses once; "" means try them all.
func dateLayout(s string) string {
	switch {
	case len(s) >= 10 && s[2] == '.' && s[5] == '.':
		switch len(s) {
		case 10:
			return "02.01.2006"
		case 19:
			return "02.01.2006 15:04:05"
		}
	case len(s) >= 10 && s[4] == '-' && s[7] == '-':
		switch {
		case len(s) == 10:
			return "2006-01-02"
		case len(s) == 19 && s[10] == ' ':
			return "2006-01-02 15:04:05"
		case len(s) == 19 && s[10] == 'T':
			return "2006-01-02T15:04:05"
		}
	}
	return ""
}

func (f *flexDate) UnmarshalJSON(b []byte) error {
	*f = flexDate{}
	if len(b) == 0 || bytes.Equal(b, null) {
		return nil
	}
	s, isStr, err := unquote(b)
	if err != nil {
		return err
	}
	if !isStr {
		if b[0] == 'f' { // false: unset
			return nil
		}
		n, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil || n < 0 || n > 1e11 {
			return errWire("a date")
		}
		if n == 0 {
			return nil
		}
		*f = flexDate{t: time.Unix(n, 0).UTC(), abs: true, set: true}
		return nil
	}
	return f.parse(s)
}

func (f *flexDate) parse(s string) error {
	s = trimSpace(s)
	if s == "" || strings.HasPrefix(s, "0000-00-00") || strings.HasPrefix(s, "00.00.0000") {
		return nil
	}
	if len(s) > 40 {
		return errWire("a date")
	}
	if l := dateLayout(s); l != "" {
		if t, err := time.Parse(l, s); err == nil {
			*f = flexDate{t: t, set: true}
			return nil
		}
	}
	for _, l := range dateLayouts {
		if len(l) < len(s)-9 || len(l) > len(s)+9 {
			continue
		}
		if t, err := time.Parse(l, s); err == nil {
			*f = flexDate{t: t, set: true}
			return nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		*f = flexDate{t: t, abs: true, set: true}
		return nil
	}
	if t, err := time.Parse("2006-01-02 15:04:05Z07:00", s); err == nil {
		*f = flexDate{t: t, abs: true, set: true}
		return nil
	}
	return errWire("a date (DD.MM.YYYY, YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)")
}

// time returns the date in loc: civil values are read as wall-clock time
// there; the zero Time when unset.
func (f flexDate) time(loc *time.Location) time.Time {
	if !f.set {
		return time.Time{}
	}
	if f.abs {
		return f.t.In(loc)
	}
	t := f.t
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
}

// customFields extracts the custom_* keys of a JSON object. Keys lose their
// "custom_" prefix. Strings are kept as is, null becomes "", numbers and
// booleans their JSON text, arrays and objects their compact JSON text
// (e.g. `["a","b"]`), so that a read-modify-write sends them back unchanged
// (see CustomerInput.Custom).
//
// obj must be valid JSON (it has been decoded already): a single scan over
// its top-level keys finds the custom ones without decoding the rest again.
func customFields(obj []byte) (map[string]string, error) {
	if !bytes.Contains(obj, []byte(`"custom_`)) {
		return nil, nil
	}
	var out map[string]string
	i := skipWS(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, errWire("an object")
	}
	i++
	for {
		i = skipWS(obj, i)
		if i >= len(obj) {
			return nil, errWire("an object")
		}
		if obj[i] == '}' {
			return out, nil
		}
		if obj[i] == ',' {
			i++
			continue
		}
		kEnd := skipValue(obj, i)
		if kEnd < 0 || obj[i] != '"' {
			return nil, errWire("an object")
		}
		key := obj[i:kEnd]
		i = skipWS(obj, kEnd)
		if i >= len(obj) || obj[i] != ':' {
			return nil, errWire("an object")
		}
		vStart := skipWS(obj, i+1)
		vEnd := skipValue(obj, vStart)
		if vEnd < 0 {
			return nil, errWire("an object")
		}
		i = vEnd
		name, isStr, err := unquote(key)
		if err != nil || !isStr {
			return nil, errWire("an object")
		}
		name, ok := strings.CutPrefix(name, "custom_")
		if !ok || name == "" {
			continue
		}
		if out == nil {
			out = make(map[string]string)
		}
		out[name] = customValue(obj[vStart:vEnd])
	}
}

// elems returns the elements of a JSON array (b must start with '['), or
// ok=false when b is not a well-formed array.
func elems(b []byte) (out [][]byte, ok bool) {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '[' {
		return nil, false
	}
	i++
	for {
		i = skipWS(b, i)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ']':
			if out == nil {
				out = [][]byte{}
			}
			return out, true
		case ',':
			i++
			continue
		}
		end := skipValue(b, i)
		if end < 0 {
			return nil, false
		}
		out = append(out, b[i:end])
		i = end
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the index just past the JSON value starting at b[i], or
// -1 when it does not end.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
		return -1
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end := skipValue(b, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

func customValue(v json.RawMessage) string {
	if len(v) == 0 || bytes.Equal(v, null) {
		return ""
	}
	if s, isStr, err := unquote(v); isStr && err == nil {
		return s
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err == nil {
		return buf.String()
	}
	return string(v)
}

// formatDate formats t as AlfaCRM's DD.MM.YYYY in loc.
func formatDate(t time.Time, loc *time.Location) string { return t.In(loc).Format("02.01.2006") }

// formatISODate formats t as YYYY-MM-DD in loc.
func formatISODate(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02") }
