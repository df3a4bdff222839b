package bosh_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"bosun/bosh"
	"bosun/sim"
)

// jumpEnv sets BOSH_ALL_PROXY to f's jumpbox and BOSUN_GW_KNOWN_HOSTS to
// a file holding knownHosts, and returns that file.
func jumpEnv(t *testing.T, f *sim.Foundation, knownHosts string) string {
	t.Helper()
	j, err := f.Jumpbox()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	key, known := filepath.Join(dir, "jumpbox.key"), filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(key, j.PrivateKeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(known, []byte(knownHosts), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BOSH_ALL_PROXY", j.AllProxy(key))
	t.Setenv("BOSUN_GW_KNOWN_HOSTS", known)
	return known
}

// Through a jumpbox whose key is listed, the director and its UAA are
// reached only through the jumpbox.
func TestJumpboxCarriesDirectorAndUAA(t *testing.T) {
	f := startSim(t, sim.Options{})
	line, err := f.GatewayKnownHostsLine()
	if err != nil {
		t.Fatal(err)
	}
	jumpEnv(t, f, line)
	deps, err := simClient(f, bosh.Options{}).Deployments(context.Background())
	if err != nil || len(deps) == 0 {
		t.Fatalf("deployments through the jumpbox: %v %v", deps, err)
	}
	st := f.Stats()
	// anonymous /info, token grant, /deployments: each on a connection of its own
	if st.Jumpbox["director"] < 2 || st.Jumpbox["uaa"] < 1 {
		t.Fatalf("jumpbox channels %v, want the director and UAA connections through it", st.Jumpbox)
	}
}

// A jumpbox whose key is not listed is refused before any request, with
// its fingerprint; the bosh CLI's own dialer would have accepted it.
func TestJumpboxUnlistedKeyRefused(t *testing.T) {
	f := startSim(t, sim.Options{})
	other := startSim(t, sim.Options{})
	line, err := other.GatewayKnownHostsLine() // another jumpbox's key
	if err != nil {
		t.Fatal(err)
	}
	j, err := f.Jumpbox()
	if err != nil {
		t.Fatal(err)
	}
	// the same host and port listed with the other key
	line = strings.Replace(line, strings.Fields(line)[0], strings.Fields(j.KnownHostsLine())[0], 1)
	for _, known := range []string{"", line} {
		path := jumpEnv(t, f, known)
		_, err = simClient(f, bosh.Options{}).Deployments(context.Background())
		if bosh.KindOf(err) != bosh.KindConfig || !strings.Contains(err.Error(), "SHA256:") || !strings.Contains(err.Error(), path) {
			t.Errorf("known_hosts %q: err = %v (kind %v), want the jumpbox key refused with its fingerprint", known, err, bosh.KindOf(err))
		}
		if fp := ssh.FingerprintSHA256(j.HostKey); err != nil && !strings.Contains(err.Error(), fp) {
			t.Errorf("the error does not name the jumpbox's key %s: %v", fp, err)
		}
	}
	if st := f.Stats(); len(st.Requests) != 0 || st.Jumpbox["director"] != 0 {
		t.Fatalf("requests reached the director: %v %v", st.Requests, st.Jumpbox)
	}
}
