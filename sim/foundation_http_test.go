package sim

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// caPool is the simulated foundation's CA as a pool.
func caPool(t *testing.T, f *Foundation) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(f.CACertPEM())) {
		t.Fatal("CA PEM does not parse")
	}
	return pool
}

// TestServersNegotiateHTTP1 offers h2 and http/1.1 in ALPN, as curl and
// Go clients do: every server of the foundation picks http/1.1.
func TestServersNegotiateHTTP1(t *testing.T) {
	f := startSim(t, Options{})
	pool := caPool(t, f)
	for name, u := range map[string]string{
		"director": f.DirectorURL(), "UAA": f.UAAURL(), "PKS API": f.PKSURL(), "PKS UAA": f.PKSUAAURL(),
	} {
		conn, err := tls.Dial("tcp", strings.TrimPrefix(u, "https://"), &tls.Config{
			RootCAs: pool, ServerName: "127.0.0.1", NextProtos: []string{"h2", "http/1.1"},
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p := conn.ConnectionState().NegotiatedProtocol; p != "http/1.1" {
			t.Errorf("%s negotiated %q, want http/1.1", name, p)
		}
		conn.Close()
	}
}

// TestManyPostsWithBodiesOnOneConnection sends 200 POSTs with bodies in a
// row over one kept-alive connection of a client that would use HTTP/2 if
// offered: scans (whose handler has no use for a body) and SSH setups
// with a JSON body followed by more bytes than the JSON. Each one is
// answered with the task redirect, over HTTP/1.1, on the same connection.
func TestManyPostsWithBodiesOnOneConnection(t *testing.T) {
	f := startSim(t, Options{TaskTime: time.Millisecond})
	c := &http.Client{
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: caPool(t, f)},
			ForceAttemptHTTP2: true,
			MaxConnsPerHost:   1,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
	defer c.CloseIdleConnections()
	auth := adminToken(t, f)
	d := f.content.harbor
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	setup, err := json.Marshal(sshRequest{
		Command: "setup", DeploymentName: d.Name,
		Target: sshTargetJSON{Job: d.Instances[0].Group.Name, Indexes: []string{}, IDs: []string{d.Instances[0].ID}},
		Params: map[string]string{"user": "bosh_wire", "public_key": string(ssh.MarshalAuthorizedKey(sshPub))},
	})
	if err != nil {
		t.Fatal(err)
	}
	padding := strings.Repeat(" ", 300<<10) // past the JSON value, and more than net/http drains by itself

	conns := map[string]bool{}
	for i := 0; i < 200; i++ {
		path, body := "/deployments/"+d.Name+"/scans", `{"note":"`+strings.Repeat("x", 4096)+`"}`
		if i%2 == 1 {
			path, body = "/deployments/"+d.Name+"/ssh", string(setup)+padding
		}
		req, err := http.NewRequest("POST", f.DirectorURL()+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/json")
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(ci httptrace.GotConnInfo) { conns[ci.Conn.LocalAddr().String()] = true },
		}))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("POST %d (%s): %v", i, path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), f.DirectorURL()+"/tasks/") {
			t.Fatalf("POST %d (%s): %d Location %q", i, path, resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp.Proto != "HTTP/1.1" {
			t.Fatalf("POST %d answered over %s", i, resp.Proto)
		}
	}
	if len(conns) != 1 {
		t.Errorf("the 200 POSTs used %d connections, want 1 kept alive", len(conns))
	}
}
