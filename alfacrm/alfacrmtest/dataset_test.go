package alfacrmtest_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
	"github.com/ecademy/leadkit/internal/demo"
)

func customerIDs(srv *alfacrmtest.Server) []int {
	var ids []int
	for _, c := range srv.Customers() {
		ids = append(ids, c.ID)
	}
	return ids
}

// WithDataset serves an already built data set: the same cards, in the data
// set's time zone unless WithTimezone says otherwise.
func TestWithDataset(t *testing.T) {
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	ds := demo.New(demo.Config{Ref: demoRef, Loc: kyiv, Customers: 60, Leads: demo.MinLeads})
	srv := alfacrmtest.NewServer(alfacrmtest.WithDataset(ds))
	defer srv.Close()

	var want []int
	for _, c := range ds.Customers {
		want = append(want, c.ID)
	}
	if got := customerIDs(srv); !slices.Equal(got, want) {
		t.Errorf("served %d cards, the data set has %d", len(got), len(want))
	}
	if got := len(srv.Payments()); got != len(ds.Payments) {
		t.Errorf("%d payments, the data set has %d", got, len(ds.Payments))
	}
	if got := len(srv.Lessons()); got != len(ds.Lessons) {
		t.Errorf("%d lessons, the data set has %d", got, len(ds.Lessons))
	}
	if srv.BranchID != ds.Branches[0].ID {
		t.Errorf("BranchID %d, want the data set's first branch %d", srv.BranchID, ds.Branches[0].ID)
	}
	if loc := srv.ClientConfig().Location; loc != kyiv {
		t.Errorf("time zone %v, want the data set's %v", loc, kyiv)
	}
	c, ok := srv.Customer(ds.Customers[0].ID)
	if !ok || c.Name != ds.Customers[0].Name || !slices.Equal(c.Phones, ds.Customers[0].Phones) {
		t.Errorf("card %+v, want %+v", c, ds.Customers[0])
	}

	// WithTimezone wins, whatever the order of the options.
	for _, opts := range [][]alfacrmtest.Option{
		{alfacrmtest.WithDataset(ds), alfacrmtest.WithTimezone(time.UTC)},
		{alfacrmtest.WithTimezone(time.UTC), alfacrmtest.WithDataset(ds)},
	} {
		srv := alfacrmtest.NewServer(opts...)
		if loc := srv.ClientConfig().Location; loc != time.UTC {
			t.Errorf("time zone %v, want UTC", loc)
		}
		srv.Close()
	}

	defer func() {
		if recover() == nil {
			t.Error("WithDataset(nil) did not panic")
		}
	}()
	alfacrmtest.NewServer(alfacrmtest.WithDataset(nil)).Close()
}

// WithDemoConfig picks the demo sizes and seed; WithDemoSeed applies only
// when the configuration has no seed.
func TestWithDemoConfig(t *testing.T) {
	small := demo.Config{Ref: demoRef, Customers: 40, Leads: demo.MinLeads}
	a := alfacrmtest.NewServer(alfacrmtest.WithDemoConfig(small))
	defer a.Close()
	if n := len(a.Customers()); n != 40 {
		t.Errorf("%d cards, want 40", n)
	}
	// The same data as demo.New in the server's default time zone.
	msk := a.ClientConfig().Location
	cfg := small
	cfg.Loc, cfg.Seed = msk, demo.DefaultSeed
	ds := demo.New(cfg)
	b := alfacrmtest.NewServer(alfacrmtest.WithDataset(ds))
	defer b.Close()
	if fmt.Sprint(a.Customers()) != fmt.Sprint(b.Customers()) || fmt.Sprint(a.Payments()) != fmt.Sprint(b.Payments()) {
		t.Error("WithDemoConfig and WithDataset of the same configuration differ")
	}

	seeded := alfacrmtest.NewServer(alfacrmtest.WithDemoConfig(small), alfacrmtest.WithDemoSeed(2))
	defer seeded.Close()
	if fmt.Sprint(seeded.Customers()) == fmt.Sprint(a.Customers()) {
		t.Error("WithDemoSeed changed nothing")
	}
	explicit := small
	explicit.Seed = demo.DefaultSeed
	own := alfacrmtest.NewServer(alfacrmtest.WithDemoConfig(explicit), alfacrmtest.WithDemoSeed(2))
	defer own.Close()
	if fmt.Sprint(own.Customers()) != fmt.Sprint(a.Customers()) {
		t.Error("WithDemoSeed overrode the configuration's own seed")
	}

	// A configuration's time zone becomes the server's.
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	withLoc := small
	withLoc.Loc = kyiv
	k := alfacrmtest.NewServer(alfacrmtest.WithDemoConfig(withLoc))
	defer k.Close()
	if loc := k.ClientConfig().Location; loc != kyiv {
		t.Errorf("time zone %v, want %v", loc, kyiv)
	}
}
