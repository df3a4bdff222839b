package bosh_test

import (
	"context"
	"net"
	"testing"

	"bosun/bosh"
	"bosun/sim"
)

// A remembered auth type and UAA URL spare the anonymous GET /info; a
// stale one is learnt again, once, and the call still succeeds.
func TestKnownAuthSparesTheAnonymousInfo(t *testing.T) {
	f := startSim(t, sim.Options{})
	ctx := context.Background()
	info, err := simClient(f, bosh.Options{}).Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := f.Stats().Requests["GET /info"]
	c := simClient(f, bosh.Options{Known: info})
	got, err := c.Identity(ctx)
	if err != nil || got.UUID != f.UUID() || got.User != f.ClientID() {
		t.Fatalf("identity with known auth: %+v, %v", got, err)
	}
	if n := f.Stats().Requests["GET /info"] - before; n != 1 {
		t.Errorf("%d GET /info with the auth known, want the authenticated one only", n)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stale := info
	stale.UAAURL = "https://" + ln.Addr().String()
	ln.Close()
	before = f.Stats().Requests["GET /info"]
	got, err = simClient(f, bosh.Options{Known: stale}).Info(ctx)
	if err != nil || got.UAAURL != info.UAAURL {
		t.Fatalf("with a stale UAA URL: %+v, %v", got, err)
	}
	if n := f.Stats().Requests["GET /info"] - before; n < 2 {
		t.Errorf("%d GET /info: the stale UAA URL was not learnt again", n)
	}

	// Cold, the anonymous /info of the connection is the identity: no
	// second /info.
	before = f.Stats().Requests["GET /info"]
	cold := simClient(f, bosh.Options{})
	if got, err := cold.Identity(ctx); err != nil || got.UUID != f.UUID() {
		t.Fatalf("cold identity: %+v, %v", got, err)
	}
	if _, err := cold.Deployments(ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.Stats().Requests["GET /info"] - before; n != 1 {
		t.Errorf("cold: %d GET /info, want 1", n)
	}
}
