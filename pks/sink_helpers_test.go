package pks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"
)

// testReceiver is a receiver on a free loopback port that reports each
// connection it starts serving on started, and each connection's end on
// done.
type testReceiver struct {
	*Receiver
	started, done chan string
}

// testConnEvents bounds the connections a test may open: the hooks must
// never block the receiver.
const testConnEvents = 8192

func startReceiver(t testing.TB, cfg ReceiverConfig) *testReceiver {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	started, done := make(chan string, testConnEvents), make(chan string, testConnEvents)
	cfg.connStart = func(peer string) { started <- peer }
	cfg.connDone = func(peer string) { done <- peer }
	r, err := Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return &testReceiver{Receiver: r, started: started, done: done}
}

// connStarted waits until the receiver serves the connection from local
// address peer.
func (r *testReceiver) connStarted(t testing.TB, peer string) {
	t.Helper()
	r.await(t, r.started, "start", peer)
}

// waitTimeout bounds every wait on the receiver, so a bug fails the test
// rather than hanging it.
const waitTimeout = 10 * time.Second

// next returns the next queued event.
func (r *testReceiver) next(t testing.TB) Event {
	t.Helper()
	select {
	case ev := <-r.Events():
		return ev
	case <-time.After(waitTimeout):
		t.Fatalf("no event within %v; stats %+v", waitTimeout, r.Stats())
	}
	return Event{}
}

// connEnded waits for the end of the connection from local address peer.
func (r *testReceiver) connEnded(t testing.TB, peer string) {
	t.Helper()
	r.await(t, r.done, "end", peer)
}

// await takes reports from ch until peer's, skipping others'.
func (r *testReceiver) await(t testing.TB, ch chan string, what, peer string) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case p := <-ch:
			if p == peer {
				return
			}
		case <-deadline:
			t.Fatalf("connection %s: no %s within %v; stats %+v", peer, what, waitTimeout, r.Stats())
		}
	}
}

func dial(t testing.TB, addr net.Addr) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func send(t testing.TB, c net.Conn, s string) {
	t.Helper()
	if _, err := c.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

// selfSigned makes a server certificate for 127.0.0.1 and a pool that
// trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bosun sink test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

// netConn is what the bad senders get.
type netConn = net.Conn
