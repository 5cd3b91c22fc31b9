package alfacrmtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Wall-clock layouts the real API uses.
const (
	layoutDMY      = "02.01.2006"          // dob, document_date, b_date of cgi
	layoutYMD      = "2006-01-02"          // lesson date, e_date
	layoutDateTime = "2006-01-02 15:04:05" // created_at, time_from
)

// yiiName maps statuses to the names of Yii2's HTTP exceptions.
var yiiName = map[int]string{
	400: "Bad Request",
	401: "Unauthorized",
	403: "Forbidden",
	404: "Not Found",
	405: "Method Not Allowed",
	413: "Request Entity Too Large",
	422: "Data Validation Failed.",
	429: "Too Many Requests",
	500: "Internal Server Error",
	502: "Bad Gateway",
	503: "Service Unavailable",
	504: "Gateway Timeout",
}

// yiiError is Yii2's default error body: {name, message, code, status}.
func yiiError(status int, message string) response {
	name := yiiName[status]
	if name == "" {
		name = http.StatusText(status)
	}
	return jsonResponse(status, struct {
		Name    string `json:"name"`
		Message string `json:"message"`
		Code    int    `json:"code"`
		Status  int    `json:"status"`
	}{name, message, 0, status})
}

// defaultMessage is the message of a fault's generated error body.
func defaultMessage(status int) string {
	switch status {
	case 401:
		return "Your request was made with invalid credentials."
	case 403:
		return "Access denied"
	case 404:
		return "Page not found."
	case 429:
		return "Rate limit exceeded."
	case 500:
		return "An internal server error occurred."
	}
	if t := http.StatusText(status); t != "" {
		return t + "."
	}
	return "Error."
}

// htmlPage is what an nginx in front of the application answers with.
func htmlPage(status int) []byte {
	t := strconv.Itoa(status) + " " + http.StatusText(status)
	return []byte("<html>\r\n<head><title>" + t + "</title></head>\r\n<body>\r\n<center><h1>" + t +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
}

func jsonResponse(status int, v any) response {
	return response{status: status, body: marshal(v)}
}

// marshal encodes v like Yii2's Json::encode: no HTML escaping, raw UTF-8.
func marshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("alfacrmtest: encoding a response: " + err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// parseBody decodes a request body into parameters. An empty body and an
// empty JSON array (PHP's empty array) mean no parameters.
func parseBody(body []byte) (map[string]any, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data")
	}
	switch x := v.(type) {
	case map[string]any:
		return x, nil
	case []any:
		if len(x) == 0 {
			return map[string]any{}, nil
		}
	}
	return nil, errors.New("body is not a JSON object")
}

// parseLogin reads {email, api_key} from a JSON body, or from a form body
// (curl -d without a JSON content type sends JSON anyway; forms are a
// courtesy).
func parseLogin(body []byte) (email, key string, ok bool) {
	var in struct {
		Email  string `json:"email"`
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal(body, &in); err == nil {
		return in.Email, in.APIKey, in.Email != "" && in.APIKey != ""
	}
	q, err := url.ParseQuery(string(body))
	if err != nil {
		return "", "", false
	}
	return q.Get("email"), q.Get("api_key"), q.Get("email") != "" && q.Get("api_key") != ""
}

// present reports whether a parameter was given with a value PHP's
// filter_where would not skip (not null, not "", not []).
func present(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	}
	return true
}

// toInt reads an integer parameter given as a number or a numeric string.
func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case json.Number:
		if n, err := strconv.Atoi(x.String()); err == nil {
			return n, true
		}
		if f, err := x.Float64(); err == nil && f == float64(int(f)) {
			return int(f), true
		}
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
			return n, true
		}
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// intSet reads an integer filter given as one value or a list (SQL IN).
// ok is false when the value is not an integer (or a list of them).
func intSet(v any) (set []int, ok bool) {
	if list, isList := v.([]any); isList {
		for _, e := range list {
			n, ok := toInt(e)
			if !ok {
				return nil, false
			}
			set = append(set, n)
		}
		return set, true
	}
	n, ok := toInt(v)
	if !ok {
		return nil, false
	}
	return []int{n}, true
}

// toString reads a string parameter (numbers are accepted as their text).
func toString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

// toStrings reads a list of strings; a single string is a list of one.
func toStrings(v any) ([]string, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case string:
		if x == "" {
			return nil, true
		}
		return []string{x}, true
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := toString(e)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// parseDate reads a filter date in any layout the real API is seen with,
// as a wall-clock time in loc.
func parseDate(v any, loc *time.Location) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	s = strings.TrimSpace(s)
	for _, layout := range []string{layoutDMY, layoutYMD, layoutDateTime, "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// nullInt encodes 0 as null, as the API does for absent references.
type nullInt int

func (n nullInt) MarshalJSON() ([]byte, error) {
	if n == 0 {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, int64(n), 10), nil
}

// ints encodes nil as [] rather than null.
func ints(v []int) []int {
	if v == nil {
		return []int{}
	}
	return v
}

func strs(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// money formats an amount as the API's decimal string, e.g. "2450.50".
func money(d decimal.Decimal) string { return d.StringFixed(2) }

// fmtTime formats t in loc, or "" for the zero time.
func fmtTime(t time.Time, loc *time.Location, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(layout)
}
