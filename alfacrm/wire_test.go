package alfacrm

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecademy/leadkit/internal/transport"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFlexInt(t *testing.T) {
	ok := map[string]int{
		`12`: 12, `"12"`: 12, `" 12 "`: 12, `-5`: -5, `"-5"`: -5, `12.0`: 12, `"12.00"`: 12, `1e3`: 1000,
		`null`: 0, `""`: 0, `true`: 1, `false`: 0, `"\u00a07\u00a0"`: 7,
	}
	for in, want := range ok {
		var f flexInt
		require.NoError(t, json.Unmarshal([]byte(in), &f), in)
		assert.Equal(t, want, int(f), in)
	}
	for _, in := range []string{`"abc"`, `12.5`, `"12.5"`, `[1]`, `{}`, `"1e999999999"`, `1e40`} {
		var f flexInt
		err := json.Unmarshal([]byte(in), &f)
		require.Error(t, err, in)
		assert.NotContains(t, err.Error(), "abc", "values are not echoed")
	}
}

func TestFlexInts(t *testing.T) {
	ok := map[string][]int{
		`[1,2]`: {1, 2}, `["1", 2]`: {1, 2}, `[]`: {}, `null`: nil, `""`: nil, `5`: {5}, `"3,4"`: {3, 4},
		`[1,null,0,3]`: {1, 3},
	}
	for in, want := range ok {
		var f flexInts
		require.NoError(t, json.Unmarshal([]byte(in), &f), in)
		assert.Equal(t, want, []int(f), in)
	}
	for _, in := range []string{`["x"]`, `{"a":1}`, `[[1]]`} {
		var f flexInts
		assert.Error(t, json.Unmarshal([]byte(in), &f), in)
	}
}

func TestFlexBool(t *testing.T) {
	ok := map[string]bool{
		`1`: true, `0`: false, `true`: true, `false`: false, `"1"`: true, `"0"`: false, `""`: false,
		`null`: false, `2`: true, `"true"`: true, `"FALSE"`: false, `1.0`: true, `0.0`: false,
	}
	for in, want := range ok {
		var f flexBool
		require.NoError(t, json.Unmarshal([]byte(in), &f), in)
		assert.Equal(t, want, bool(f), in)
	}
	for _, in := range []string{`"maybe"`, `[1]`, `{}`} {
		var f flexBool
		assert.Error(t, json.Unmarshal([]byte(in), &f), in)
	}
}

func TestFlexMoney(t *testing.T) {
	ok := map[string]string{
		`"6998.50"`: "6998.5", `"-14160.00"`: "-14160", `6998.5`: "6998.5", `0.1`: "0.1", `2320`: "2320",
		`null`: "0", `""`: "0", `"1500,50"`: "1500.5", `"1 500.50"`: "1500.5", `"\u00a01\u00a0500,5"`: "1500.5",
		`"0.30"`: "0.3", `12345678901234567890.12`: "12345678901234567890.12",
	}
	for in, want := range ok {
		var f flexMoney
		require.NoError(t, json.Unmarshal([]byte(in), &f), in)
		assert.True(t, decimal.RequireFromString(want).Equal(f.d), "%s: got %s", in, f.d)
	}
	// 0.1 + 0.2 stays exact: never through float64.
	var a, b flexMoney
	require.NoError(t, json.Unmarshal([]byte(`0.1`), &a))
	require.NoError(t, json.Unmarshal([]byte(`"0.2"`), &b))
	assert.Equal(t, "0.3", a.d.Add(b.d).String())

	for _, in := range []string{`"12 UAH"`, `"1,000,000"`, `true`, `[1]`, `{}`, `"1e999999999"`} {
		var f flexMoney
		assert.Error(t, json.Unmarshal([]byte(in), &f), in)
	}
}

func TestFlexStrings(t *testing.T) {
	ok := map[string][]string{
		`["+380631234567","0671234567"]`: {"+380631234567", "0671234567"},
		`"+380631234567"`:                {"+380631234567"},
		`[380631234567]`:                 {"380631234567"},
		`[]`:                             {},
		`null`:                           nil,
		`""`:                             nil,
		`["", "a", null]`:                {"a"},
	}
	for in, want := range ok {
		var f flexStrings
		require.NoError(t, json.Unmarshal([]byte(in), &f), in)
		assert.Equal(t, want, []string(f), in)
	}
	var f flexStrings
	assert.Error(t, json.Unmarshal([]byte(`[{"a":1}]`), &f))
}

func TestTeacherList(t *testing.T) {
	tests := map[string]struct {
		ids   []int
		names []string
	}{
		`[7, 8]`:                         {[]int{7, 8}, nil},
		`["Anna Teacher"]`:               {nil, []string{"Anna Teacher"}},
		`[7, "8", " Petro Teacher ", 0]`: {[]int{7, 8}, []string{"Petro Teacher"}},
		`null`:                           {nil, nil},
		`[]`:                             {nil, nil},
		`"Anna Teacher"`:                 {nil, []string{"Anna Teacher"}},
		`9`:                              {[]int{9}, nil},
	}
	for in, tt := range tests {
		var tl teacherList
		require.NoError(t, json.Unmarshal([]byte(in), &tl), in)
		assert.Equal(t, tt.ids, tl.ids, in)
		assert.Equal(t, tt.names, tl.names, in)
	}
	for _, in := range []string{`[{"id":1}]`, `[true]`, `[1.5]`} {
		var tl teacherList
		assert.Error(t, json.Unmarshal([]byte(in), &tl), in)
	}
}

func TestFlexDate(t *testing.T) {
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	require.NoError(t, err)
	ok := map[string]time.Time{
		`"06.05.2012"`:                time.Date(2012, 5, 6, 0, 0, 0, 0, kyiv),
		`"2021-05-20"`:                time.Date(2021, 5, 20, 0, 0, 0, 0, kyiv),
		`"2021-07-21 12:00:00"`:       time.Date(2021, 7, 21, 12, 0, 0, 0, kyiv),
		`"2021-07-21T12:00:00"`:       time.Date(2021, 7, 21, 12, 0, 0, 0, kyiv),
		`"2021-07-21 12:00"`:          time.Date(2021, 7, 21, 12, 0, 0, 0, kyiv),
		`"21.07.2021 12:30:05"`:       time.Date(2021, 7, 21, 12, 30, 5, 0, kyiv),
		`"2021-07-21T09:00:00Z"`:      time.Date(2021, 7, 21, 12, 0, 0, 0, kyiv),
		`"2021-07-21T12:00:00+03:00"`: time.Date(2021, 7, 21, 12, 0, 0, 0, kyiv),
		`" 2021-05-20 "`:              time.Date(2021, 5, 20, 0, 0, 0, 0, kyiv),
		`1700000000`:                  time.Unix(1700000000, 0).In(kyiv),
		`""`:                          {},
		`null`:                        {},
		`"0000-00-00"`:                {},
		`"0000-00-00 00:00:00"`:       {},
		`false`:                       {},
	}
	for in, want := range ok {
		var d flexDate
		require.NoError(t, json.Unmarshal([]byte(in), &d), in)
		got := d.time(kyiv)
		assert.True(t, want.Equal(got), "%s: got %v want %v", in, got, want)
		if !want.IsZero() {
			assert.Equal(t, kyiv, got.Location(), in)
		}
	}
	for _, in := range []string{`"31.02.2021"`, `"yesterday"`, `"2021/05/20"`, `[2021]`, `{}`, `-5`, `"20.05.21"`} {
		var d flexDate
		err := json.Unmarshal([]byte(in), &d)
		require.Error(t, err, in)
		assert.NotContains(t, err.Error(), "yesterday")
	}
	// The wall clock is the school's: the same string is a different instant
	// in another zone.
	var d flexDate
	require.NoError(t, json.Unmarshal([]byte(`"2026-01-10 09:00:00"`), &d))
	assert.Equal(t, 2*time.Hour, d.time(time.UTC).Sub(d.time(kyiv)))
}

func TestCustomFields(t *testing.T) {
	m, err := customFields([]byte(`{"id":1,"custom_a":"x","custom_b":null,"custom_c":[ "p", "q" ],"custom_d":5,"custom_e":{"k":true},"customx":"no","custom_":"no"}`))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "x", "b": "", "c": `["p","q"]`, "d": "5", "e": `{"k":true}`}, m)
	m, err = customFields([]byte(`{"id":1}`))
	require.NoError(t, err)
	assert.Nil(t, m)
}

func FuzzFlexMoney(f *testing.F) {
	for _, s := range []string{`"6998.50"`, `-1.5`, `null`, `""`, `"1 500,50"`, `1e5`, `"abc"`, `"1e999999999"`, `"-0.00"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var m flexMoney
		if err := m.UnmarshalJSON([]byte(in)); err != nil {
			return
		}
		// Accepted amounts round-trip exactly through their string form,
		// both as a JSON string and as a JSON number.
		s := m.d.String()
		var again, num flexMoney
		require.NoError(t, again.UnmarshalJSON([]byte(strconv.Quote(s))), s)
		require.NoError(t, num.UnmarshalJSON([]byte(s)), s)
		assert.True(t, m.d.Equal(again.d))
		assert.True(t, m.d.Equal(num.d))
	})
}

func FuzzFlexInt(f *testing.F) {
	for _, s := range []string{`12`, `"12"`, `"12.00"`, `null`, `""`, `-3`, `1e3`, `"x"`, `true`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var n flexInt
		if err := n.UnmarshalJSON([]byte(in)); err != nil {
			return
		}
		var again flexInt
		require.NoError(t, again.UnmarshalJSON([]byte(strconv.Quote(strconv.Itoa(int(n))))))
		assert.Equal(t, n, again)
		var ids flexInts
		if json.Valid([]byte(in)) {
			require.NoError(t, ids.UnmarshalJSON([]byte("["+in+"]")))
			if n != 0 {
				assert.Equal(t, flexInts{int(n)}, ids)
			}
		}
	})
}

func FuzzFlexDate(f *testing.F) {
	for _, s := range []string{`"06.05.2012"`, `"2021-05-20"`, `"2021-07-21 12:00:00"`, `""`, `null`, `"0000-00-00"`, `"2021-07-21T09:00:00Z"`, `1700000000`, `"31.02.2021"`} {
		f.Add(s)
	}
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var d flexDate
		if err := d.UnmarshalJSON([]byte(in)); err != nil {
			return
		}
		got := d.time(kyiv)
		if !d.set {
			assert.True(t, got.IsZero())
			return
		}
		if d.abs {
			return
		}
		// A civil date-time re-formatted in the canonical layout parses back
		// to the same wall clock.
		var again flexDate
		require.NoError(t, again.UnmarshalJSON([]byte(strconv.Quote(d.t.Format("2006-01-02 15:04:05.999999999")))))
		assert.True(t, d.t.Equal(again.t))
		y, mo, dd := got.Date()
		y2, mo2, dd2 := d.t.Date()
		if got.Hour() == d.t.Hour() { // not moved by a DST gap
			assert.Equal(t, []int{y2, int(mo2), dd2}, []int{y, int(mo), dd})
		}
	})
}

func FuzzTeacherList(f *testing.F) {
	for _, s := range []string{`[7, 8]`, `["Anna Teacher"]`, `[7, "8", "Petro"]`, `null`, `"x"`, `[{"id":1}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var tl teacherList
		if err := tl.UnmarshalJSON([]byte(in)); err != nil {
			return
		}
		var raw []json.RawMessage
		if json.Unmarshal([]byte(in), &raw) == nil {
			assert.LessOrEqual(t, len(tl.ids)+len(tl.names), len(raw), "one entry per element at most")
		}
		for _, id := range tl.ids {
			assert.NotZero(t, id)
		}
		for _, n := range tl.names {
			assert.NotEmpty(t, n)
			assert.Equal(t, strings.TrimSpace(n), n)
			_, err := strconv.Atoi(n)
			assert.Error(t, err, "numeric strings are ids")
		}
	})
}

// The hand-written top-level scan agrees with a full decode.
func FuzzCustomFields(f *testing.F) {
	for _, s := range []string{
		`{"custom_a":"x","custom_b":[1,"]",{"c":"}"}],"name":"custom_z","custom_c":null}`,
		`{"n":{"custom_x":1},"custom_y":"a\"b"}`,
		`{"custom_\u0061":2}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var all map[string]json.RawMessage
		if json.Unmarshal([]byte(in), &all) != nil || all == nil {
			return
		}
		got, err := customFields([]byte(in))
		require.NoError(t, err)
		want := map[string]string{}
		for k, v := range all {
			if name, ok := strings.CutPrefix(k, "custom_"); ok && name != "" {
				want[name] = customValue(v)
			}
		}
		if len(want) == 0 {
			assert.Empty(t, got)
			return
		}
		// Duplicate keys: json keeps the last one, and so does the scan.
		assert.Equal(t, want, got)
	})
}

func FuzzFlexBool(f *testing.F) {
	for _, s := range []string{`1`, `0`, `true`, `"0"`, `"yes"`, `""`, `null`, `2.5`, `"maybe"`, `[1]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var b flexBool
		if err := json.Unmarshal([]byte(in), &b); err != nil {
			return
		}
		// An accepted flag re-reads the same in both canonical forms.
		var again, asInt flexBool
		require.NoError(t, again.UnmarshalJSON([]byte(strconv.FormatBool(bool(b)))))
		require.NoError(t, asInt.UnmarshalJSON([]byte(strconv.Itoa(boolInt(bool(b))))))
		assert.Equal(t, b, again)
		assert.Equal(t, b, asInt)
		// A JSON number is true exactly when it is not zero.
		if d, err := decimal.NewFromString(in); err == nil && json.Valid([]byte(in)) {
			assert.Equal(t, !d.IsZero(), bool(b), in)
		}
	})
}

func FuzzFlexStrings(f *testing.F) {
	for _, s := range []string{`["+380631234567","0671234567"]`, `"+380631234567"`, `[380631234567]`, `[]`, `null`, `["", "a", null]`, `[{"a":1}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var fs flexStrings // through encoding/json, as in real decoding
		if err := json.Unmarshal([]byte(in), &fs); err != nil {
			return
		}
		for _, s := range fs {
			assert.NotEmpty(t, strings.TrimSpace(s), "blank entries are dropped")
		}
		var raw []json.RawMessage
		if json.Unmarshal([]byte(in), &raw) == nil {
			assert.LessOrEqual(t, len(fs), len(raw), "one entry per element at most")
		}
		var plain []string
		if json.Unmarshal([]byte(in), &plain) == nil {
			var want []string
			for _, s := range plain {
				if trimSpace(s) != "" {
					want = append(want, s)
				}
			}
			assert.Equal(t, len(want), len(fs))
			if len(want) > 0 {
				assert.Equal(t, want, []string(fs), "a list of strings is kept as is")
			}
		}
	})
}

// A whole customer/index body of any shape: either a page whose every item
// converts, or an *Error whose message is bounded and says the response was
// unusable when the body is not JSON.
func FuzzDecodeCustomersPage(f *testing.F) {
	f.Add(customersPageBody(2))
	for _, s := range []string{
		`[{"id":"5","name":"Bare One"}]`,
		`{"total":1,"items":[{"id":{"a":1}}]}`,
		`{"total": 2, "items": [{"id": 1, "name": "Ivan Exa`,
		`{"success":false,"errors":["Phone is taken"]}`,
		`{"name":"Unauthorized","message":"x","code":0,"status":401}`,
		`<html><body>502 Bad Gateway</body></html>`,
		`{"total":"3","count":"1","items":[{"id":"7","balance":1.5,"dob":"","phone":"063","teacher_ids":"Anna","custom_x":[1]}]}`,
		``,
	} {
		f.Add([]byte(s))
	}
	c, err := NewClient(Config{BaseURL: testHost, Email: testEmail, APIKey: testAPIKey, BranchID: 1})
	if err != nil {
		f.Fatal(err)
	}
	spec := c.customerSpec(CustomerQuery{})
	f.Fuzz(func(t *testing.T, body []byte) {
		resp := &transport.Response{StatusCode: 200, Header: http.Header{}, Body: body}
		rp, err := decodeRaw[wireCustomer](c, "customer/index", resp)
		if err != nil {
			var ae *Error
			require.ErrorAs(t, err, &ae)
			assert.Less(t, len(err.Error()), 1000, "bounded message")
			assert.LessOrEqual(t, len(ae.Snippet), snippetLen+len("…"))
			if !json.Valid(body) {
				assert.ErrorIs(t, err, ErrInvalidResponse)
			}
			return
		}
		require.True(t, json.Valid(body), "only JSON is accepted")
		items, err := convPage(spec, &rp)
		require.NoError(t, err)
		assert.Len(t, items, len(rp.items))
	})
}
