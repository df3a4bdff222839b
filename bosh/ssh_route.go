package bosh

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/net/proxy"
)

// SSHOptions say how to reach instances: directly, through a gateway (the
// director's default_ssh_options or --gw-*), or through BOSH_ALL_PROXY,
// which takes precedence as it does for the bosh CLI.
type SSHOptions struct {
	GatewayHost       string // host or host:port (port 22); overrides the director's
	GatewayUser       string // overrides the director's
	GatewayPrivateKey []byte // PEM; without it the session key is offered
	GatewayDisable    bool   // ignore every gateway
	// GatewayKnownHosts is a known_hosts file for the gateway's host key:
	// a listed host must present a listed key. Default ~/.ssh/known_hosts.
	GatewayKnownHosts string
	// GatewayHostKey pins the gateway's host key outright.
	GatewayHostKey ssh.PublicKey
	// AllProxy is BOSH_ALL_PROXY: ssh+socks5://user@host:port?private-key=PATH
	// or socks5://host:port.
	AllProxy string
	// Dial replaces the direct TCP dial (tests).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// ErrHostKeyUnknown: a gateway whose key bosun has no way to check.
var ErrHostKeyUnknown = errors.New("unknown host key")

// sshRoute dials hosts for one session.
type sshRoute struct {
	o       SSHOptions
	gwHost  string
	gwUser  string
	mu      sync.Mutex
	jump    *ssh.Client // gateway or ssh+socks5 jump host, dialled once
	closed  bool
	socks   proxy.Dialer
	sshProx *url.URL
	signer  ssh.Signer // the session key, for a gateway without its own key
}

func (o SSHOptions) route() (*sshRoute, error) {
	r := &sshRoute{o: o, gwHost: o.GatewayHost, gwUser: o.GatewayUser}
	if p := strings.TrimSpace(o.AllProxy); p != "" {
		if strings.HasPrefix(p, "ssh+") {
			u, err := url.Parse(strings.TrimPrefix(p, "ssh+"))
			if err != nil || u.Scheme != "socks5" || u.Host == "" {
				return nil, fmt.Errorf("BOSH_ALL_PROXY %q: want ssh+socks5://USER@HOST:PORT?private-key=PATH", p)
			}
			if u.Port() == "" {
				return nil, fmt.Errorf("BOSH_ALL_PROXY %q: the port is required", p)
			}
			if u.Query().Get("private-key") == "" {
				return nil, fmt.Errorf("BOSH_ALL_PROXY %q: Required query param 'private-key' not found", p)
			}
			r.sshProx = u
		} else {
			u, err := url.Parse(p)
			if err != nil {
				return nil, fmt.Errorf("BOSH_ALL_PROXY %q: %v", p, err)
			}
			d, err := proxy.FromURL(u, proxy.Direct)
			if err != nil {
				return nil, fmt.Errorf("BOSH_ALL_PROXY %q: %v", p, err)
			}
			r.socks = d
		}
	}
	return r, nil
}

// directorGateway fills in what the director named where the user did not.
func (r *sshRoute) directorGateway(host, user string) {
	if r.gwHost == "" {
		r.gwHost = host
	}
	if r.gwUser == "" {
		r.gwUser = user
	}
}

// via says how hosts are reached, for messages.
func (r *sshRoute) via() string {
	switch {
	case r.sshProx != nil:
		return "BOSH_ALL_PROXY " + r.sshProx.Host
	case r.socks != nil:
		return "BOSH_ALL_PROXY"
	case r.gwHost != "" && !r.o.GatewayDisable:
		return "gateway " + r.gwUser + "@" + r.gwHost
	}
	return "direct"
}

func (r *sshRoute) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.jump != nil {
		r.jump.Close()
		r.jump = nil
	}
}

// dial opens a TCP path to addr by the route.
func (r *sshRoute) dial(ctx context.Context, addr string) (net.Conn, error) {
	switch {
	case r.sshProx != nil || (r.gwHost != "" && !r.o.GatewayDisable):
		jump, err := r.jumpClient(ctx)
		if err != nil {
			return nil, err
		}
		return await(ctx, func() (net.Conn, error) { return jump.Dial("tcp", addr) })
	case r.socks != nil:
		if cd, ok := r.socks.(proxy.ContextDialer); ok {
			return cd.DialContext(ctx, "tcp", addr)
		}
		return await(ctx, func() (net.Conn, error) { return r.socks.Dial("tcp", addr) })
	}
	return r.direct(ctx, "tcp", addr)
}

func (r *sshRoute) direct(ctx context.Context, network, addr string) (net.Conn, error) {
	if r.o.Dial != nil {
		return r.o.Dial(ctx, network, addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// jumpClient is the SSH connection to the gateway or jump host, made once.
func (r *sshRoute) jumpClient(ctx context.Context) (*ssh.Client, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, errors.New("ssh session closed")
	}
	if r.jump != nil {
		return r.jump, nil
	}
	var addr string
	cfg := &ssh.ClientConfig{Timeout: 30 * time.Second}
	if r.sshProx != nil {
		addr = r.sshProx.Host
		cfg.User = r.sshProx.User.Username()
		if cfg.User == "" {
			cfg.User = "jumpbox"
		}
		pem, err := os.ReadFile(r.sshProx.Query().Get("private-key"))
		if err != nil {
			return nil, fmt.Errorf("BOSH_ALL_PROXY private key: %v", err)
		}
		signer, err := ssh.ParsePrivateKey(pem)
		if err != nil {
			return nil, fmt.Errorf("BOSH_ALL_PROXY private key does not parse: %v", err)
		}
		cfg.Auth = []ssh.AuthMethod{ssh.PublicKeys(signer)}
	} else {
		addr = r.gwHost
		if _, _, err := net.SplitHostPort(addr); err != nil {
			addr = net.JoinHostPort(addr, "22")
		}
		cfg.User = r.gwUser
		if cfg.User == "" {
			cfg.User = "vcap"
		}
		signers := []ssh.Signer{}
		if len(r.o.GatewayPrivateKey) > 0 {
			s, err := ssh.ParsePrivateKey(r.o.GatewayPrivateKey)
			if err != nil {
				return nil, fmt.Errorf("gateway private key does not parse: %v", err)
			}
			signers = append(signers, s)
		}
		if r.signer != nil {
			signers = append(signers, r.signer)
		}
		cfg.Auth = []ssh.AuthMethod{ssh.PublicKeys(signers...)}
	}
	cb, err := r.jumpHostKey()
	if err != nil {
		return nil, err
	}
	cfg.HostKeyCallback = cb
	conn, err := r.direct(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("gateway %s: %v", addr, err)
	}
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("gateway %s: %v", addr, err)
	}
	r.jump = ssh.NewClient(c, chans, reqs)
	return r.jump, nil
}

// jumpHostKey checks the gateway's key: pinned if given, else it must be
// listed in known_hosts. An unlisted gateway is refused (bosun never
// accepts an unknown host key, unlike the bosh CLI's gateway hop); the error
// gives its fingerprint and how to list it.
func (r *sshRoute) jumpHostKey() (ssh.HostKeyCallback, error) {
	if r.o.GatewayHostKey != nil {
		return ssh.FixedHostKey(r.o.GatewayHostKey), nil
	}
	path := r.o.GatewayKnownHosts
	if path == "" {
		if home, err := os.UserHomeDir(); err == nil {
			path = home + "/.ssh/known_hosts"
		}
	}
	check, err := knownHostsCheck(path, r.o.GatewayKnownHosts != "", func(host string, key ssh.PublicKey, listedOther bool) error {
		if listedOther {
			return fmt.Errorf("%w: gateway %s presented the key %s, but %s lists another key for it", ErrHostKeyMismatch, host, ssh.FingerprintSHA256(key), path)
		}
		return fmt.Errorf("%w: gateway %s is not in %s; its key is %s: check it, then add it with `ssh-keyscan -p PORT HOST >> %s` or name another file with --gw-known-hosts",
			ErrHostKeyUnknown, host, path, ssh.FingerprintSHA256(key), path)
	})
	if err != nil {
		return nil, fmt.Errorf("known hosts %s: %v", path, err)
	}
	return check, nil
}
