package sim

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
)

// ServeOptions change what ServeSetupWith exports.
type ServeOptions struct {
	// NoJumpbox leaves BOSH_ALL_PROXY out of the exports (the jumpbox is
	// then named in a comment line only).
	NoJumpbox bool
}

// ServeSetup is ServeSetupWith with the default options: BOSH_ALL_PROXY
// through the jumpbox is exported.
func (f *Foundation) ServeSetup(caPath string) (string, error) {
	return f.ServeSetupWith(caPath, ServeOptions{})
}

// ServeSetupWith readies the foundation for clients outside the process,
// as `bosun sim serve` does. It writes the CA certificate to caPath, and
// beside it the jumpbox's known_hosts line and its user's private key
// (KnownHostsFileName, JumpboxKeyFileName: named after the director's
// port, so simulators sharing a directory keep their own), and returns the
// lines to print: export lines for bosun and the bosh CLI first
// (BOSH_ALL_PROXY through the jumpbox unless o.NoJumpbox), then comment
// lines -- the endpoints, the jumpbox, the other identities (a user for
// `bosh log-in`, the read-only client, the PKS read-only user) and the
// drifted deployments. The comment lines change nothing when the output
// is evaluated: the exports alone choose the identity bosun uses.
func (f *Foundation) ServeSetupWith(caPath string, o ServeOptions) (string, error) {
	if err := os.WriteFile(caPath, []byte(f.CACertPEM()), 0o644); err != nil {
		return "", fmt.Errorf("sim: write the CA certificate: %w", err)
	}
	j, err := f.Jumpbox()
	if err != nil {
		return "", err
	}
	known := filepath.Join(filepath.Dir(caPath), f.KnownHostsFileName())
	if err := os.WriteFile(known, []byte(j.KnownHostsLine()), 0o644); err != nil {
		return "", fmt.Errorf("sim: write the jumpbox's known_hosts: %w", err)
	}
	key := filepath.Join(filepath.Dir(caPath), f.JumpboxKeyFileName())
	if err := os.WriteFile(key, j.PrivateKeyPEM, 0o600); err != nil {
		return "", fmt.Errorf("sim: write the jumpbox's private key: %w", err)
	}
	var b strings.Builder
	b.WriteString(f.Exports(caPath))
	fmt.Fprintf(&b, "export BOSUN_GW_KNOWN_HOSTS=%s\n", shellQuote(known))
	if !o.NoJumpbox {
		fmt.Fprintf(&b, "export BOSH_ALL_PROXY=%s\n", shellQuote(j.AllProxy(key)))
	}
	jump := fmt.Sprintf("jumpbox %s@%s (forwards to the VMs' 10.0.x.y:22, the director, the UAAs and the PKS API; no shell), host key %s (in BOSUN_GW_KNOWN_HOSTS), private key %s",
		j.User, j.Addr, ssh.FingerprintSHA256(j.HostKey), key)
	if o.NoJumpbox {
		jump += "; not exported: BOSH_ALL_PROXY=" + shellQuote(j.AllProxy(key))
	}
	for _, c := range append([]string{jump}, f.serveComments()...) {
		b.WriteString("# " + c + "\n")
	}
	return b.String(), nil
}

// JumpboxKeyFileName is the name of the file ServeSetupWith writes the
// jumpbox user's private key to: jumpbox_<director port>.key.
func (f *Foundation) JumpboxKeyFileName() string {
	_, port, _ := net.SplitHostPort(f.dirLn.Addr().String())
	return "jumpbox_" + port + ".key"
}

// KnownHostsFileName is the name of the file ServeSetupWith writes the
// jumpbox's known_hosts line to: gateway_known_hosts_<director port>.
func (f *Foundation) KnownHostsFileName() string {
	_, port, _ := net.SplitHostPort(f.dirLn.Addr().String())
	return "gateway_known_hosts_" + port
}

// serveComments are the comment lines of ServeSetup, without "# ".
func (f *Foundation) serveComments() []string {
	uaa := "UAA " + f.uaaURL
	if f.opts.Auth != "uaa" {
		uaa = "basic auth (no UAA)"
	}
	out := []string{fmt.Sprintf("simulated director %s (uuid %s), %s; PKS API %s, its UAA %s; Ctrl-C stops it",
		f.dirURL, f.UUID(), uaa, f.PKSURL(), f.PKSUAAURL())}
	readID, readSecret := f.ReadClient()
	if f.opts.Auth == "uaa" {
		user, pass := f.UserPassword()
		out = append(out,
			fmt.Sprintf("bosh log-in as a user (UAA password grant; unset BOSH_CLIENT and BOSH_CLIENT_SECRET first): username %s, password %s", user, pass),
			fmt.Sprintf("read-only client (bosh.read): BOSH_CLIENT=%s BOSH_CLIENT_SECRET=%s", shellQuote(readID), shellQuote(readSecret)))
	} else {
		out = append(out,
			fmt.Sprintf("bosh log-in as a user (basic auth; unset BOSH_CLIENT and BOSH_CLIENT_SECRET first): username %s, password %s", f.ClientID(), f.ClientSecret()),
			fmt.Sprintf("read-only user (bosh.read): BOSH_CLIENT=%s BOSH_CLIENT_SECRET=%s", shellQuote(readID), shellQuote(readSecret)))
	}
	pu, pp := f.PKSReadUser()
	out = append(out, fmt.Sprintf("PKS read-only user (pks.clusters.admin.read): username %s, password %s", pu, pp))
	if d := f.DriftedDeployments(); len(d) > 0 {
		out = append(out, "cloud-check drift on: "+strings.Join(d, " "))
	}
	return out
}
