package metaleadstest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

type batchItem struct {
	Method      string `json:"method"`
	RelativeURL string `json:"relative_url"`
	Body        string `json:"body"`
	Name        string `json:"name"`
}

type batchHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type batchResult struct {
	Code    int           `json:"code"`
	Headers []batchHeader `json:"headers,omitempty"`
	Body    string        `json:"body"`
}

// batch serves POST / with batch=[...]: every item runs as its own call
// with the top-level token unless it carries access_token itself, and the
// answer is a JSON array of {code, headers, body} with body a JSON string.
func (s *Server) batch(c *call) (any, *graphErr) {
	var raws []json.RawMessage
	if err := json.Unmarshal([]byte(c.params.Get("batch")), &raws); err != nil {
		return nil, errParam("param batch must be a JSON array of requests")
	}
	if len(raws) == 0 {
		return nil, errParam("param batch must contain at least one request")
	}
	if len(raws) > MaxBatchSize {
		return nil, errParam("Too many requests in batch message. Maximum batch size is %d", MaxBatchSize)
	}
	items := make([]batchItem, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &items[i]); err != nil || items[i].RelativeURL == "" {
			return nil, errParam("batch item %d must be an object with a relative_url", i)
		}
	}
	withHeaders := c.params.Get("include_headers") != "false"
	trace := s.traceID()
	out := make([]*batchResult, len(items))
	for i, it := range items {
		res, ok := s.batchItem(c, it, trace, withHeaders)
		if ok {
			out[i] = res
		}
	}
	return out, nil
}

func (s *Server) batchItem(top *call, it batchItem, trace string, withHeaders bool) (*batchResult, bool) {
	s.stats.batchItems.Add(1)
	method := strings.ToUpper(it.Method)
	if method == "" {
		method = http.MethodGet
	}
	rel := it.RelativeURL
	if !strings.HasPrefix(rel, "/") {
		rel = "/" + rel
	}
	var resp response
	u, err := url.Parse(rel)
	switch {
	case err != nil:
		resp = errParam("batch item has an invalid relative_url").response(trace)
	case strings.Contains(it.RelativeURL, "{result="):
		resp = errParam("JSONPath dependencies between batch items are not supported by metaleadstest").response(trace)
	default:
		version, path, segs := splitPath(u.Path, top.version)
		params := u.Query()
		if it.Body != "" && method != http.MethodGet {
			if bv, err := url.ParseQuery(it.Body); err == nil {
				for k, v := range bv {
					params[k] = append(params[k], v...)
				}
			}
		}
		h := http.Header{}
		if !params.Has("access_token") {
			h.Set("Authorization", "Bearer "+top.token)
		}
		sub := &call{method: method, version: version, path: path, segs: segs, params: params, header: h, inBatch: true}
		if f := s.faults.pickItem("/" + version + path); f != nil {
			s.stats.faults.Add(1)
			if f.transportLevel() || f.Reset {
				return nil, false
			}
			if r, ok := s.faultResponse(f, trace); ok {
				resp = r
			} else {
				resp = s.serve(sub, trace)
			}
			for k, v := range f.Headers {
				resp.header.Set(k, s.expand(v))
			}
		} else {
			resp = s.serve(sub, trace)
		}
		s.addUsage(sub.uc)
		s.countPage(sub)
	}
	res := &batchResult{Code: resp.status, Body: string(resp.body)}
	if withHeaders {
		res.Headers = []batchHeader{
			{Name: "Content-Type", Value: "text/javascript; charset=UTF-8"},
			{Name: "Facebook-API-Version", Value: top.version},
		}
		keys := make([]string, 0, len(resp.header))
		for k := range resp.header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range resp.header[k] {
				res.Headers = append(res.Headers, batchHeader{Name: k, Value: v})
			}
		}
	}
	return res, true
}

// pickItem consumes a FailMatching fault for a batch item; FailNext faults
// (which match every path) and chaos apply to HTTP requests only.
func (fs *faultState) pickItem(path string) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, q := range fs.rules {
		if q.rule.substr != "" && strings.Contains(path, q.rule.substr) {
			q.rule.left--
			if q.rule.left <= 0 {
				fs.rules = append(fs.rules[:i:i], fs.rules[i+1:]...)
			}
			f := q.fault
			return &f
		}
	}
	return nil
}
