package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
)

// DecodeSection compares the SDK's decoding of leads with a bare decode.
type DecodeSection struct {
	// LeadsPerPage and BytesPerLead describe the page decoded: a real page
	// of the demo's biggest form, as the fake Graph API serves it.
	LeadsPerPage int         `json:"leads_per_page"`
	BytesPerLead int         `json:"bytes_per_lead"`
	Rows         []DecodeRow `json:"rows"`
}

// DecodeRow is one decoder's cost per lead.
type DecodeRow struct {
	Decoder       string  `json:"decoder"`
	NsPerLead     float64 `json:"ns_per_lead"`
	AllocsPerLead float64 `json:"allocs_per_lead"`
	BytesPerLead  float64 `json:"alloc_bytes_per_lead"`
	// VsPlain is the time per lead relative to the bare encoding/json decode.
	VsPlain float64 `json:"vs_plain"`
}

// decodeRounds is the number of turns each decoder gets.
const decodeRounds = 5

// plainLead is what a first integration decodes into: encoding/json with
// no handling of Graph's quirks (times stay strings, no contact parsing).
type plainLead struct {
	ID           string `json:"id"`
	CreatedTime  string `json:"created_time"`
	AdID         string `json:"ad_id"`
	AdName       string `json:"ad_name"`
	AdSetID      string `json:"adset_id"`
	AdSetName    string `json:"adset_name"`
	CampaignID   string `json:"campaign_id"`
	CampaignName string `json:"campaign_name"`
	FormID       string `json:"form_id"`
	IsOrganic    bool   `json:"is_organic"`
	Platform     string `json:"platform"`
	FieldData    []struct {
		Name   string   `json:"name"`
		Values []string `json:"values"`
	} `json:"field_data"`
	Disclaimers []struct {
		Key     string `json:"checkbox_key"`
		Checked any    `json:"is_checked"`
	} `json:"custom_disclaimer_responses"`
}

func benchDecode(ctx context.Context, e *env) (*DecodeSection, []Check, error) {
	ds := e.dataset()
	srv := metaleadstest.NewServer(metaleadstest.WithDataset(ds), metaleadstest.WithRequestLog(0))
	defer srv.Close()
	biggest, n := "", 0
	for _, f := range ds.Forms {
		if k := len(ds.LeadsOfForm(f.ID)); k > n {
			biggest, n = f.ID, k
		}
	}
	if n == 0 {
		return nil, nil, errNoData
	}
	body, err := rawLeadsPage(ctx, srv, biggest, metaleads.DefaultLeadsPageSize)
	if err != nil {
		return nil, nil, err
	}
	norm, err := metaleads.NewNormalizer(metaleads.NormalizerOptions{Region: "UA"})
	if err != nil {
		return nil, nil, err
	}
	var probe struct {
		Data []metaleads.Lead `json:"data"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, nil, fmt.Errorf("decoding the page: %w", err)
	}
	perPage := len(probe.Data)
	if perPage == 0 {
		return nil, nil, errNoData
	}
	sec := &DecodeSection{LeadsPerPage: perPage, BytesPerLead: len(body) / perPage}
	decoders := []struct {
		name string
		f    func() error
	}{
		{"encoding/json into a plain struct", func() error {
			var p struct {
				Data []plainLead `json:"data"`
			}
			return json.Unmarshal(body, &p)
		}},
		{"metaleads.Lead (Graph quirks handled)", func() error {
			var p struct {
				Data []metaleads.Lead `json:"data"`
			}
			return json.Unmarshal(body, &p)
		}},
		{"metaleads.Lead + Normalizer.ContactFromLead", func() error {
			var p struct {
				Data []metaleads.Lead `json:"data"`
			}
			if err := json.Unmarshal(body, &p); err != nil {
				return err
			}
			for _, l := range p.Data {
				if c := norm.ContactFromLead(l); c.Email == "" && c.Phone == "" && c.FullName == "" {
					return fmt.Errorf("lead %s: empty contact", l.ID)
				}
			}
			return nil
		}},
	}
	// The decoders take turns, decodeRounds times each, and the fastest
	// round of each counts: on a shared machine that is the least
	// disturbed measurement, and the turns expose all of them to the same
	// background load. Allocations do not depend on the load.
	best := make([]DecodeRow, len(decoders))
	for round := range decodeRounds {
		for i, d := range decoders {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
			if round == 0 {
				e.progress("decode: %s", d.name)
			}
			ns, allocs, bytes, err := measure(e.sz.decodeTime/decodeRounds, d.f)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", d.name, err)
			}
			row := DecodeRow{Decoder: d.name, NsPerLead: ns / float64(perPage),
				AllocsPerLead: allocs / float64(perPage), BytesPerLead: bytes / float64(perPage)}
			if round == 0 || row.NsPerLead < best[i].NsPerLead {
				best[i] = row
			}
		}
	}
	for i := range best {
		best[i].VsPlain = ratio(best[i].NsPerLead, best[0].NsPerLead)
	}
	sec.Rows = best
	// No target: the section reports what the SDK's robustness costs.
	return sec, nil, nil
}

// rawLeadsPage fetches the first page of a form's leads as bytes, with the
// fields the SDK asks for.
func rawLeadsPage(ctx context.Context, srv *metaleadstest.Server, formID string, limit int) ([]byte, error) {
	q := url.Values{"fields": {strings.Join(metaleads.DefaultLeadFields, ",")}, "limit": {fmt.Sprint(limit)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.GraphURL("/"+formID+"/leads")+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+srv.PageToken)
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET leads: HTTP %d", resp.StatusCode)
	}
	return body, nil
}

// measure runs f repeatedly for at least d (after one warm-up call) and
// returns the time, allocations and allocated bytes per call, from
// runtime.MemStats around the timed loop.
func measure(d time.Duration, f func() error) (ns, allocs, bytes float64, err error) {
	if err := f(); err != nil {
		return 0, 0, 0, err
	}
	n := 1
	for {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		start := time.Now()
		for range n {
			if err := f(); err != nil {
				return 0, 0, 0, err
			}
		}
		el := time.Since(start)
		runtime.ReadMemStats(&m1)
		if el >= d || n >= 1<<30 {
			fn := float64(n)
			return float64(el.Nanoseconds()) / fn, float64(m1.Mallocs-m0.Mallocs) / fn, float64(m1.TotalAlloc-m0.TotalAlloc) / fn, nil
		}
		// Aim 20% past d, growing at most 100× per round.
		next := int(float64(n) * 1.2 * float64(d) / float64(max(el, time.Microsecond)))
		n = min(max(next, n+1), 100*n)
	}
}
