package bosh

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// socks5Server is a minimal SOCKS5 proxy (no auth, CONNECT only) that
// counts the connections it relays.
type socks5Server struct {
	l       net.Listener
	relayed atomic.Int32
	wg      sync.WaitGroup
}

func startSOCKS5(t *testing.T) *socks5Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &socks5Server{l: l}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.relay(c)
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		s.wg.Wait()
	})
	return s
}

func (s *socks5Server) relay(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 262)
	// greeting: VER NMETHODS METHODS...
	if _, err := io.ReadFull(c, buf[:2]); err != nil || buf[0] != 5 {
		return
	}
	if _, err := io.ReadFull(c, buf[:buf[1]]); err != nil {
		return
	}
	if _, err := c.Write([]byte{5, 0}); err != nil {
		return
	}
	// request: VER CMD RSV ATYP ADDR PORT
	if _, err := io.ReadFull(c, buf[:4]); err != nil || buf[1] != 1 {
		return
	}
	var host string
	switch buf[3] {
	case 1:
		if _, err := io.ReadFull(c, buf[:4]); err != nil {
			return
		}
		host = net.IP(buf[:4]).String()
	case 3:
		if _, err := io.ReadFull(c, buf[:1]); err != nil {
			return
		}
		n := int(buf[0])
		if _, err := io.ReadFull(c, buf[:n]); err != nil {
			return
		}
		host = string(buf[:n])
	default:
		return
	}
	if _, err := io.ReadFull(c, buf[:2]); err != nil {
		return
	}
	port := binary.BigEndian.Uint16(buf[:2])
	up, err := net.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(int(port))))
	if err != nil {
		_, _ = c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	defer up.Close()
	if _, err := c.Write([]byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0}); err != nil {
		return
	}
	s.relayed.Add(1)
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
}

func TestBOSHAllProxyCarriesDirectorAndUAATraffic(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	f.addDeployment("a")
	proxy := startSOCKS5(t)
	t.Setenv("BOSH_ALL_PROXY", "socks5://"+proxy.l.Addr().String())
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	deps, err := testClient(uaaTarget(f), Options{}).Deployments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 1 {
		t.Fatalf("deps = %v", deps)
	}
	// anonymous /info, token grant, /deployments: each on its own connection
	if n := proxy.relayed.Load(); n < 3 {
		t.Fatalf("proxy relayed %d connections, want at least 3", n)
	}
}

func TestBadBOSHAllProxyIsAConfigError(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	t.Setenv("BOSH_ALL_PROXY", "ssh+socks5://jumpbox@127.0.0.1:22")
	_, err := testClient(uaaTarget(f), Options{}).Deployments(context.Background())
	if KindOf(err) != KindConfig || err.Error() != "list deployments: BOSH_ALL_PROXY: Required query param 'private-key' not found" {
		t.Fatalf("err = %v (kind %v)", err, KindOf(err))
	}
	if f.count("GET /info") != 0 {
		t.Fatal("request bypassed the proxy setting")
	}
}
