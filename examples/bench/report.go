package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Section headings of the table (the program's test looks for them).
const (
	headGraph   = "== Graph: full sync of N leads"
	headEnrich  = "== Enrichment: leads vs AlfaCRM customers"
	headDecode  = "== Decode + normalise per lead"
	headHeap    = "== Peak heap while iterating a synthetic form"
	headWebhook = "== Webhook acknowledgements over loopback"
	headChecks  = "== Checks"
)

// writeReport prints the report as aligned tables, one per section.
func writeReport(w io.Writer, r Report) error {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "leadkit bench — %s, %s %s/%s, %d CPUs (GOMAXPROCS %d)", m.Date, m.GoVersion, m.OS, m.Arch, m.CPUs, m.GOMAXPROCS)
	if m.CPUModel != "" {
		fmt.Fprintf(&b, ", %s", m.CPUModel)
	}
	fmt.Fprintf(&b, "\nfake latency %s per response, no client-side rate limit", r.Latency)
	if r.Quick {
		b.WriteString(", -quick sizes")
	}
	b.WriteString("\n")
	tw := func(f func(*tabwriter.Writer)) {
		t := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		f(t)
		_ = t.Flush()
	}
	if g := r.Graph; g != nil {
		fmt.Fprintf(&b, "\n%s (minimum = Σ max(1, ⌈N_form/page⌉))\n", headGraph)
		tw(func(t *tabwriter.Writer) {
			fmt.Fprintln(t, "data\tapproach\tpage\tleads\tfetched\tmissed\trequests\tminimum\tempty\tretries\twall")
			for _, x := range g.Rows {
				fmt.Fprintf(t, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", x.Data, x.Approach, x.PageSize, x.Leads,
					x.Fetched, x.Missed, x.Requests, x.Minimum, x.EmptyPages, x.Retries, dur(x.WallMS))
			}
		})
	}
	if en := r.Enrich; en != nil {
		fmt.Fprintf(&b, "\n%s (%d leads, %d CRM cards)\n", headEnrich, en.Leads, en.Customers)
		tw(func(t *tabwriter.Writer) {
			fmt.Fprintln(t, "strategy\tAlfaCRM requests\trequests/lead\twall\tmatched")
			for _, x := range en.Rows {
				fmt.Fprintf(t, "%s\t%d\t%.2f\t%s\t%d\n", x.Strategy, x.Requests, ratio(float64(x.Requests), float64(en.Leads)), dur(x.WallMS), x.Matched)
			}
		})
		fmt.Fprintf(&b, "naive/bulk: %.1f× the requests, %.1f× the wall time (targets ≥ %.0f×, ≥ %.0f×)\n",
			en.NaiveBulkRequests, en.NaiveBulkWall, targetEnrichRequests, targetEnrichWall)
	}
	if d := r.Decode; d != nil {
		fmt.Fprintf(&b, "\n%s (a page of %d leads, %d bytes of JSON per lead)\n", headDecode, d.LeadsPerPage, d.BytesPerLead)
		tw(func(t *tabwriter.Writer) {
			fmt.Fprintln(t, "decoder\tµs/lead\tvs plain\tallocs/lead\tbytes/lead")
			for _, x := range d.Rows {
				fmt.Fprintf(t, "%s\t%.2f\t%.2f×\t%.1f\t%.0f\n", x.Decoder, x.NsPerLead/1000, x.VsPlain, x.AllocsPerLead, x.BytesPerLead)
			}
		})
	}
	if h := r.Heap; h != nil {
		fmt.Fprintf(&b, "\n%s (heap in use, whole process incl. the fake, after a GC at start)\n", headHeap)
		tw(func(t *tabwriter.Writer) {
			fmt.Fprintln(t, "leads\trequests\tbaseline\tpeak\tpeak-baseline\tsamples\twall")
			for _, x := range h.Rows {
				fmt.Fprintf(t, "%d\t%d\t%.1f MiB\t%.1f MiB\t%.1f MiB\t%d\t%s\n", x.Leads, x.Requests,
					mib(x.BaselineBytes), mib(x.PeakBytes), mib(x.GrowthBytes), x.Samples, dur(x.WallMS))
			}
		})
		fmt.Fprintf(&b, "peak ratio large/small: %.2f×\n", h.PeakRatio)
	}
	if wh := r.Webhook; wh != nil {
		fmt.Fprintf(&b, "\n%s (%d senders for %.1f s, then one at a time; signed one-lead deliveries of %d bytes)\n",
			headWebhook, wh.Senders, wh.LoadSeconds, wh.DeliveryBytes)
		tw(func(t *tabwriter.Writer) {
			fmt.Fprintln(t, "receiver\tacked\trejected\treq/s\tload p50\tload p99\tidle p50\tidle p99\thandled")
			for _, x := range wh.Rows {
				fmt.Fprintf(t, "%s\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t%d\n", x.Receiver, x.Acked, x.Rejected, x.ReqPerSec,
					usDur(x.LoadP50US), usDur(x.LoadP99US), usDur(x.IdleP50US), usDur(x.IdleP99US), x.Handled)
			}
		})
	}
	if len(r.Checks) > 0 {
		fmt.Fprintf(&b, "\n%s (count checks fail the run; time and memory checks depend on the machine's load)\n", headChecks)
		t := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintln(t, "result\tkind\tsection\tcheck\ttarget\tgot")
		for _, c := range r.Checks {
			res := "ok"
			if !c.OK {
				res = "MISSED"
				if c.Kind == KindCount {
					res = "FAILED"
				}
			}
			fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\n", res, c.Kind, c.Section, c.Name, c.Target, c.Got)
		}
		_ = t.Flush()
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// dur formats milliseconds.
func dur(ms float64) string {
	if ms >= 1000 {
		return fmt.Sprintf("%.2f s", ms/1000)
	}
	return fmt.Sprintf("%.1f ms", ms)
}

// usDur formats microseconds.
func usDur(us float64) string {
	if us >= 1000 {
		return fmt.Sprintf("%.2f ms", us/1000)
	}
	return fmt.Sprintf("%.0f µs", us)
}
