package sim

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudfoundry/bosh-cli/v7/director"
	"golang.org/x/crypto/ssh"
)

// dialJumpbox logs in to the jumpbox as user with key, checking its host
// key.
func dialJumpbox(t *testing.T, j Jumpbox, user string, key ssh.Signer) (*ssh.Client, error) {
	t.Helper()
	c, err := ssh.Dial("tcp", j.Addr, &ssh.ClientConfig{
		User:            user,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(key)},
		HostKeyCallback: ssh.FixedHostKey(j.HostKey),
	})
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

func jumpboxSigner(t *testing.T, j Jumpbox) ssh.Signer {
	t.Helper()
	s, err := ssh.ParsePrivateKey(j.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJumpboxLetsInItsUserWithItsKeyOnly(t *testing.T) {
	f := startSim(t, Options{})
	j, err := f.Jumpbox()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dialJumpbox(t, j, "jumpbox", jumpboxSigner(t, j)); err != nil {
		t.Fatalf("jumpbox user with the jumpbox key: %v", err)
	}
	if _, err := dialJumpbox(t, j, "vcap", jumpboxSigner(t, j)); err == nil {
		t.Error("user vcap let in with the jumpbox key")
	}
	_, other, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dialJumpbox(t, j, "jumpbox", s); err == nil {
		t.Error("user jumpbox let in with another key")
	}
}

// The jumpbox carries a VM's address (port 22) to the VM, the director,
// the UAA and the PKS API to themselves, and refuses anything else.
func TestJumpboxForwardsToTheFoundationOnly(t *testing.T) {
	f := startSim(t, Options{})
	j, err := f.Jumpbox()
	if err != nil {
		t.Fatal(err)
	}
	c, err := dialJumpbox(t, j, "jumpbox", jumpboxSigner(t, j))
	if err != nil {
		t.Fatal(err)
	}

	in := f.content.clusters[0].Instances[0]
	conn, err := c.Dial("tcp", in.VM.IPs[0]+":22")
	if err != nil {
		t.Fatalf("dial %s:22 through the jumpbox: %v", in.VM.IPs[0], err)
	}
	banner, err := bufio.NewReader(conn).ReadString('\n')
	conn.Close()
	if err != nil || !strings.HasPrefix(banner, "SSH-2.0-") {
		t.Errorf("%s:22 answered %q (%v), want an SSH banner", in.VM.IPs[0], banner, err)
	}

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(f.CACertPEM()))
	hc := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext:     c.DialContext,
	}}
	for _, u := range []string{f.DirectorURL() + "/info", f.UAAURL() + "/info", f.PKSURL() + "/", f.PKSUAAURL() + "/info"} {
		resp, err := hc.Get(u)
		if err != nil {
			t.Errorf("GET %s through the jumpbox: %v", u, err)
			continue
		}
		resp.Body.Close()
	}

	other, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	for _, addr := range []string{other.Addr().String(), in.VM.IPs[0] + ":2222", "10.255.255.1:22", "example.com:443"} {
		conn, err := c.Dial("tcp", addr)
		var oc *ssh.OpenChannelError
		if err == nil {
			conn.Close()
			t.Errorf("jumpbox forwarded to %s", addr)
		} else if !errors.As(err, &oc) || oc.Reason != ssh.Prohibited {
			t.Errorf("dial %s: %v, want administratively prohibited", addr, err)
		}
	}
	st := f.Stats().Jumpbox
	if st["vm"] != 1 || st["director"] != 1 || st["uaa"] != 1 || st["pks-api"] != 1 || st["pks-uaa"] != 1 || st["refused"] != 4 {
		t.Errorf("jumpbox channels counted %v", st)
	}
}

// The director names no gateway in the SSH setup result, as a director
// without default_ssh_options does.
func TestSSHSetupNamesNoGateway(t *testing.T) {
	f := startSim(t, Options{})
	d := adminDirector(t, f, nil)
	dep, err := d.FindDeployment(f.content.clusters[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	res, err := dep.SetUpSSH(director.NewAllOrInstanceGroupOrInstanceSlug("master", ""), director.SSHOpts{Username: "bosh_gw", PublicKey: string(ssh.MarshalAuthorizedKey(key))})
	if err != nil || len(res.Hosts) == 0 {
		t.Fatalf("setup: %+v %v", res, err)
	}
	if res.GatewayHost != "" || res.GatewayUsername != "" {
		t.Errorf("gateway %q@%q in the SSH setup result", res.GatewayUsername, res.GatewayHost)
	}
}

// ServeSetupWith writes the jumpbox's key beside the CA and exports
// BOSH_ALL_PROXY with it, unless told not to.
func TestServeSetupExportsTheJumpbox(t *testing.T) {
	f := startSim(t, Options{})
	dir := t.TempDir()
	out, err := f.ServeSetup(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	exports, _ := serveOutput(t, out)
	j, err := f.Jumpbox()
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, f.JumpboxKeyFileName())
	if want := "ssh+socks5://jumpbox@" + j.Addr + "?private-key=" + keyPath; exports["BOSH_ALL_PROXY"] != shellQuote(want) {
		t.Errorf("BOSH_ALL_PROXY=%s, want %s", exports["BOSH_ALL_PROXY"], want)
	}
	b, err := os.ReadFile(keyPath)
	if err != nil || !bytes.Equal(b, j.PrivateKeyPEM) {
		t.Fatalf("key file: %v", err)
	}
	if st, err := os.Stat(keyPath); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode: %v %v", st.Mode(), err)
	}

	out, err = f.ServeSetupWith(filepath.Join(dir, "ca.pem"), ServeOptions{NoJumpbox: true})
	if err != nil {
		t.Fatal(err)
	}
	exports, comments := serveOutput(t, out)
	if v, ok := exports["BOSH_ALL_PROXY"]; ok {
		t.Errorf("BOSH_ALL_PROXY=%s exported with NoJumpbox", v)
	}
	if !strings.Contains(strings.Join(comments, "\n"), "not exported: BOSH_ALL_PROXY=") {
		t.Errorf("no comment names the jumpbox:\n%s", out)
	}
}
