// Command sandbox serves the fake Graph API and the fake AlfaCRM with the
// leadkit demo data on local ports, for trying the examples, curl or Meta's
// own SDKs without real accounts.
//
//	go run ./examples/sandbox [-graph-addr 127.0.0.1:8089] [-crm-addr 127.0.0.1:8081] [-ref YYYY-MM-DD]
//
// It prints one JSON line to stdout with everything a client needs —
// graph_url, api_version, user_token, page_token, page_id, ad_account_id,
// app_secret, crm_url, crm_email, crm_api_key, crm_branch_id — and the
// matching environment variables on stderr, then serves until SIGINT or
// SIGTERM. Both fakes describe the same invented people, so leads of the
// Graph fake are found in the CRM fake. The CRM fake keeps its dates in
// ALFACRM_TIMEZONE (UTC when unset); use the same setting for the programs
// that read it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
	"github.com/ecademy/leadkit/examples/internal/cli"
	"github.com/ecademy/leadkit/internal/demo"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
)

const usage = `usage: sandbox [-graph-addr ADDR] [-crm-addr ADDR] [-ref YYYY-MM-DD]

Serves the fake Graph API and the fake AlfaCRM with the demo data until
interrupted, after printing their URLs and credentials as one JSON line.`

// now is the clock that picks the default reference day (tests fix it).
var now = time.Now

func main() { cli.Main("sandbox", run) }

// Info is the JSON line the sandbox prints.
type Info struct {
	GraphURL    string `json:"graph_url"`
	APIVersion  string `json:"api_version"`
	UserToken   string `json:"user_token"`
	PageToken   string `json:"page_token"`
	PageID      string `json:"page_id"`
	AdAccountID string `json:"ad_account_id"`
	AppSecret   string `json:"app_secret"`
	CRMURL      string `json:"crm_url"`
	CRMEmail    string `json:"crm_email"`
	CRMAPIKey   string `json:"crm_api_key"`
	CRMBranchID int    `json:"crm_branch_id"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("sandbox", usage, stderr)
	graphAddr := fs.String("graph-addr", "127.0.0.1:0", "loopback `address` of the fake Graph API (port 0 = any free port)")
	crmAddr := fs.String("crm-addr", "127.0.0.1:0", "loopback `address` of the fake AlfaCRM (port 0 = any free port)")
	refFlag := fs.String("ref", "", "reference `day` YYYY-MM-DD of the demo data (\"today\"; leads cover the 90 days before it); default today")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	for _, a := range []struct{ flag, addr string }{{"-graph-addr", *graphAddr}, {"-crm-addr", *crmAddr}} {
		if err := checkLoopback(a.addr); err != nil {
			return fmt.Errorf("%s %q: %w", a.flag, a.addr, err)
		}
	}
	loc, err := cli.Location()
	if err != nil {
		return err
	}
	ref := now()
	if *refFlag != "" {
		if ref, err = time.ParseInLocation("2006-01-02", strings.TrimSpace(*refFlag), time.UTC); err != nil {
			return fmt.Errorf("-ref %q: want YYYY-MM-DD", *refFlag)
		}
	}

	ds := demo.New(demo.Config{Ref: ref, Loc: loc}) // one data set for both fakes
	graph, err := start(func() *metaleadstest.Server {
		return metaleadstest.NewServer(metaleadstest.WithDataset(ds), metaleadstest.WithAddr(*graphAddr))
	})
	if err != nil {
		return fmt.Errorf("starting the fake Graph API on %s: %w", *graphAddr, err)
	}
	defer graph.Close()
	crm, err := start(func() *alfacrmtest.Server {
		return alfacrmtest.NewServer(alfacrmtest.WithDataset(ds), alfacrmtest.WithTimezone(loc), alfacrmtest.WithAddr(*crmAddr))
	})
	if err != nil {
		return fmt.Errorf("starting the fake AlfaCRM on %s: %w", *crmAddr, err)
	}
	defer crm.Close()

	info := Info{
		GraphURL: graph.URL, APIVersion: graph.APIVersion, UserToken: graph.UserToken, PageToken: graph.PageToken,
		PageID: graph.PageID, AdAccountID: graph.AdAccountID, AppSecret: graph.AppSecret,
		CRMURL: crm.URL, CRMEmail: crm.Email, CRMAPIKey: crm.APIKey, CRMBranchID: crm.BranchID,
	}
	line, err := json.Marshal(info)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "sandbox: demo data for %s (%d forms, %d leads, %d CRM cards)\n",
		ds.Ref.Format("2006-01-02"), len(ds.Forms), len(ds.Leads), len(ds.Customers))
	fmt.Fprintf(stderr, "sandbox: fake Graph API at %s, fake AlfaCRM at %s\n", graph.URL, crm.URL)
	fmt.Fprintf(stderr, "sandbox: to point the examples at it:\n  export %s\n", strings.Join(exports(info, loc), " \\\n    "))
	fmt.Fprintln(stderr, "sandbox: serving until interrupted (Ctrl-C)")
	// The JSON line comes last: once a reader has it, both servers are
	// serving.
	if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
		return err
	}
	<-ctx.Done()
	fmt.Fprintln(stderr, "sandbox: stopping")
	return nil
}

// exports are the environment assignments that point the examples at info.
func exports(info Info, loc *time.Location) []string {
	out := []string{
		cli.EnvGraphURL + "=" + info.GraphURL,
		cli.EnvAPIVersion + "=" + info.APIVersion,
		cli.EnvPageToken + "=" + info.PageToken,
		cli.EnvPageID + "=" + info.PageID,
		cli.EnvAdAccountID + "=" + info.AdAccountID,
		cli.EnvAppSecret + "=" + info.AppSecret,
		cli.EnvCRMBaseURL + "=" + info.CRMURL,
		cli.EnvCRMEmail + "=" + info.CRMEmail,
		cli.EnvCRMAPIKey + "=" + info.CRMAPIKey,
		cli.EnvCRMBranchID + "=" + strconv.Itoa(info.CRMBranchID),
	}
	if loc != time.UTC {
		out = append(out, cli.EnvCRMTimezone+"="+loc.String())
	}
	return out
}

// checkLoopback accepts host:port with a loopback host (or localhost) and
// a port number, as the fakes require.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("bad port %q", port)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("the sandbox listens on loopback addresses only (127.0.0.1, [::1], localhost)")
	}
	return nil
}

// start runs a fake's constructor, turning its panic (a port in use, an
// invalid option) into an error.
func start[T any](newServer func() T) (srv T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return newServer(), nil
}
