package bosh

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// The director's and the UAA's connections through an SSH jump host.
//
// With BOSH_ALL_PROXY=ssh+socks5://USER@HOST:PORT?private-key=PATH the
// bosh-utils dialer (which the director and UAA clients of bosh-cli take)
// accepts whatever host key the jump host presents. bosun dials through the
// jump host itself instead, and the jump host's key must be listed in the
// known_hosts file named by BOSUN_GW_KNOWN_HOSTS (else ~/.ssh/known_hosts);
// an unlisted key is refused with its fingerprint. A plain socks5:// proxy
// has no key to check and stays with bosh-utils.

// dialFunc is a transport's DialContext.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// jumpDialers holds one jumpDialer per BOSH_ALL_PROXY value and known_hosts
// file, so every client of the process shares one SSH connection.
var jumpDialers sync.Map // string → *jumpDialer

// keepAliveEvery is how often an idle jump connection is probed.
const keepAliveEvery = 30 * time.Second

// allProxyDial is the dialer for director and UAA clients built now: nil
// unless BOSH_ALL_PROXY is ssh+socks5. A malformed value gives a dialer
// that fails every dial, as bosh-utils does, so the error reaches the
// caller of the first request.
func allProxyDial(getenv func(string) string) dialFunc {
	p := strings.TrimSpace(getenv("BOSH_ALL_PROXY"))
	if !strings.HasPrefix(p, "ssh+") {
		return nil
	}
	known, explicit := getenv("BOSUN_GW_KNOWN_HOSTS"), true
	if known == "" {
		explicit = false
		if home, err := os.UserHomeDir(); err == nil {
			known = filepath.Join(home, ".ssh", "known_hosts")
		}
	}
	id := p + "\x00" + known
	if d, ok := jumpDialers.Load(id); ok {
		return d.(*jumpDialer).dial
	}
	d, err := newJumpDialer(p, known, explicit)
	if err != nil {
		return func(context.Context, string, string) (net.Conn, error) { return nil, err }
	}
	v, _ := jumpDialers.LoadOrStore(id, d)
	return v.(*jumpDialer).dial
}

// jumpDialer opens connections as direct-tcpip channels of one SSH
// connection to the jump host, made on the first dial and made again when
// it ends.
type jumpDialer struct {
	addr     string
	cfg      ssh.ClientConfig
	known    string
	explicit bool

	mu     sync.Mutex
	client *ssh.Client
}

func newJumpDialer(p, known string, explicit bool) (*jumpDialer, error) {
	u, err := url.Parse(strings.TrimPrefix(p, "ssh+"))
	if err != nil || u.Scheme != "socks5" || u.Host == "" {
		return nil, proxyErr("want ssh+socks5://USER@HOST:PORT?private-key=PATH")
	}
	if u.Port() == "" {
		return nil, proxyErr("the port is required")
	}
	path := u.Query().Get("private-key")
	if path == "" {
		return nil, proxyErr("Required query param 'private-key' not found")
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, proxyErr("private key %s cannot be read (%v)", path, err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		return nil, proxyErr("private key %s does not parse", path)
	}
	user := u.User.Username()
	if user == "" {
		user = "jumpbox"
	}
	return &jumpDialer{
		addr:     u.Host,
		cfg:      ssh.ClientConfig{User: user, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, Timeout: 30 * time.Second},
		known:    known,
		explicit: explicit,
	}, nil
}

// dial opens addr through the jump host.
func (d *jumpDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := d.connect(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := c.DialContext(ctx, network, addr)
	var oc *ssh.OpenChannelError
	if errors.As(err, &oc) {
		// The jump host answered but did not connect: addr is
		// unreachable from there (classified as unreachable).
		return nil, fmt.Errorf("dial tcp %s through jump host %s failed (%s, %s)", addr, d.addr, oc.Reason, oc.Message)
	}
	if err != nil {
		return nil, proxyErr("jump host %s did not open a connection to %s (%v)", d.addr, addr, err)
	}
	return conn, nil
}

// connect returns the SSH connection to the jump host, making it if there
// is none.
func (d *jumpDialer) connect(ctx context.Context) (*ssh.Client, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.client != nil {
		return d.client, nil
	}
	cfg := d.cfg
	var refused error
	check, err := knownHostsCheck(d.known, d.explicit, func(host string, key ssh.PublicKey, listedOther bool) error {
		if listedOther {
			refused = proxyErr("jump host %s presented the key %s, but %s lists another key for it (BOSUN_GW_KNOWN_HOSTS)", host, ssh.FingerprintSHA256(key), d.known)
			return ErrHostKeyMismatch
		}
		refused = proxyErr("jump host %s presented an unknown host key %s, not listed in %s (check it, then list it there or name another file with BOSUN_GW_KNOWN_HOSTS)",
			host, ssh.FingerprintSHA256(key), d.known)
		return ErrHostKeyUnknown
	})
	if err != nil {
		return nil, proxyErr("known hosts %s (%v)", d.known, err)
	}
	cfg.HostKeyCallback = check
	dl := net.Dialer{Timeout: cfg.Timeout}
	conn, err := dl.DialContext(ctx, "tcp", d.addr)
	if err != nil {
		return nil, proxyErr("jump host %s is unreachable (%v)", d.addr, err)
	}
	deadline := time.Now().Add(cfg.Timeout)
	if t, ok := ctx.Deadline(); ok && t.Before(deadline) {
		deadline = t
	}
	_ = conn.SetDeadline(deadline)
	sc, chans, reqs, err := ssh.NewClientConn(conn, d.addr, &cfg)
	if err != nil {
		conn.Close()
		if refused != nil {
			return nil, refused
		}
		return nil, proxyErr("jump host %s (%v)", d.addr, err)
	}
	_ = conn.SetDeadline(time.Time{})
	c := ssh.NewClient(sc, chans, reqs)
	d.client = c
	go d.watch(c)
	return c, nil
}

// watch probes c while it lasts and forgets it when it ends.
func (d *jumpDialer) watch(c *ssh.Client) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(keepAliveEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if _, _, err := c.SendRequest("keepalive@openssh.com", true, nil); err != nil {
					c.Close()
					return
				}
			}
		}
	}()
	_ = c.Wait()
	close(done)
	d.mu.Lock()
	if d.client == c {
		d.client = nil
	}
	d.mu.Unlock()
}

// knownHostsCheck accepts a host whose key path lists. Any other host is
// refused with the error refuse makes, told whether path lists other keys
// for the host. A missing file refuses every host; when explicit (the user
// named the file) it is an error at once.
func knownHostsCheck(path string, explicit bool, refuse func(host string, key ssh.PublicKey, listedOther bool) error) (ssh.HostKeyCallback, error) {
	var check ssh.HostKeyCallback
	if _, err := os.Stat(path); err == nil {
		check, err = knownhosts.New(path)
		if err != nil {
			return nil, err
		}
	} else if explicit {
		return nil, err
	}
	return func(host string, remote net.Addr, key ssh.PublicKey) error {
		if check != nil {
			err := check(host, remote, key)
			var ke *knownhosts.KeyError
			if err == nil || !errors.As(err, &ke) {
				return err
			}
			return refuse(host, key, len(ke.Want) > 0)
		}
		return refuse(host, key, false)
	}, nil
}

// proxyErr is an error about BOSH_ALL_PROXY, worded so that the director
// client's wrapping keeps it whole: "BOSH_ALL_PROXY: " and then text with
// no further ": ".
func proxyErr(format string, args ...any) error {
	return errors.New("BOSH_ALL_PROXY: " + strings.ReplaceAll(fmt.Sprintf(format, args...), ": ", ", "))
}
