package sim

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// The jumpbox: the host operators reach the foundation's network through,
// as BOSH_ALL_PROXY=ssh+socks5://jumpbox@HOST:PORT?private-key=PATH or
// OpenSSH's -J. It has its own host key and one user, jumpbox, who logs in
// with the key the simulator writes. It forwards direct-tcpip channels to
// the VMs' addresses (10.0.x.y:22, each served by the VM's endpoint on
// loopback) and to the director, its UAA, the PKS API and the PKS UAA,
// and refuses every other destination.

// JumpboxUser is the jumpbox's one user.
const JumpboxUser = "jumpbox"

func (h *sshHub) jumpConfig() *ssh.ServerConfig {
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if meta.User() == JumpboxUser && bytes.Equal(key.Marshal(), h.jumpboxKey.PublicKey().Marshal()) {
				return nil, nil
			}
			return nil, errors.New("key not accepted by the jumpbox")
		},
	}
	cfg.AddHostKey(h.jumpKey)
	return cfg
}

// forwardTo is the loopback address a direct-tcpip request for host:port
// is carried to and what it is (Stats.Jumpbox), or "" when the jumpbox
// refuses it.
func (h *sshHub) forwardTo(host string, port uint32) (addr, dest string, err error) {
	if port == 22 {
		if in := h.f.instanceByIP(host); in != nil {
			if !h.f.instanceNow(in).exists {
				return "", "", errors.New("no route to host " + host + " (the VM is gone)")
			}
			v, err := h.vm(in)
			if err != nil {
				return "", "", err
			}
			return v.ln.Addr().String(), "vm", nil
		}
	}
	want := net.ParseIP(host)
	for dest, ln := range h.f.serviceListeners() {
		a, ok := ln.Addr().(*net.TCPAddr)
		if !ok || a.Port != int(port) || want == nil {
			continue
		}
		if a.IP.Equal(want) || a.IP.IsUnspecified() && want.IsLoopback() {
			return net.JoinHostPort(host, strconv.Itoa(int(port))), dest, nil
		}
	}
	return "", "", nil
}

// instanceByIP is the instance whose VM has ip, nil when none has.
func (f *Foundation) instanceByIP(ip string) *instance {
	for _, d := range f.content.deployments {
		for _, in := range d.Instances {
			if in.VM == nil {
				continue
			}
			for _, a := range in.VM.IPs {
				if a == ip {
					return in
				}
			}
		}
	}
	return nil
}

// serviceListeners are the HTTPS endpoints the jumpbox forwards to.
func (f *Foundation) serviceListeners() map[string]net.Listener {
	out := map[string]net.Listener{"director": f.dirLn, "uaa": f.uaaLn}
	if f.pks != nil {
		out["pks-api"], out["pks-uaa"] = f.pks.apiLn, f.pks.uaaLn
	}
	return out
}

// handleJump serves direct-tcpip channels, each to the address forwardTo
// names; anything else is refused.
func (h *sshHub) handleJump(sc *ssh.ServerConn, chans <-chan ssh.NewChannel) {
	for nc := range chans {
		if nc.ChannelType() != "direct-tcpip" {
			nc.Reject(ssh.UnknownChannelType, "only direct-tcpip")
			continue
		}
		var p struct {
			Host  string
			Port  uint32
			OHost string
			OPort uint32
		}
		if err := ssh.Unmarshal(nc.ExtraData(), &p); err != nil {
			nc.Reject(ssh.ConnectionFailed, "bad request")
			continue
		}
		addr, dest, err := h.forwardTo(p.Host, p.Port)
		if err != nil {
			nc.Reject(ssh.ConnectionFailed, err.Error())
			continue
		}
		if addr == "" {
			h.f.countJumpbox("refused")
			nc.Reject(ssh.Prohibited, "the jumpbox does not forward to "+net.JoinHostPort(p.Host, strconv.Itoa(int(p.Port))))
			continue
		}
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			nc.Reject(ssh.ConnectionFailed, err.Error())
			continue
		}
		ch, reqs, err := nc.Accept()
		if err != nil {
			conn.Close()
			continue
		}
		h.f.countJumpbox(dest)
		go ssh.DiscardRequests(reqs)
		go func() {
			io.Copy(conn, ch)
			conn.(*net.TCPConn).CloseWrite()
		}()
		go func() {
			io.Copy(ch, conn)
			ch.CloseWrite()
			ch.Close()
			conn.Close()
		}()
	}
}

// listenLike opens a new listener on the host of an old one.
func listenLike(old net.Listener) (net.Listener, error) {
	host, _, _ := net.SplitHostPort(old.Addr().String())
	return net.Listen("tcp", net.JoinHostPort(host, "0"))
}

// Jumpbox is what a client needs to go through the jumpbox.
type Jumpbox struct {
	Addr          string        // host:port
	User          string        // JumpboxUser
	PrivateKeyPEM []byte        // the key the jumpbox accepts for User
	HostKey       ssh.PublicKey // the jumpbox's host key
}

// Jumpbox starts the jumpbox if it is not running and describes it.
func (f *Foundation) Jumpbox() (Jumpbox, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h, err := f.sshHubLocked()
	if err != nil {
		return Jumpbox{}, err
	}
	return Jumpbox{Addr: h.jump.Addr().String(), User: JumpboxUser, PrivateKeyPEM: h.jumpboxPEM, HostKey: h.jumpKey.PublicKey()}, nil
}

// KnownHostsLine is the jumpbox's known_hosts line ([host]:port key).
func (j Jumpbox) KnownHostsLine() string {
	return knownhosts.Line([]string{knownhosts.Normalize(j.Addr)}, j.HostKey) + "\n"
}

// AllProxy is the BOSH_ALL_PROXY value for the jumpbox, with its private
// key in keyPath.
func (j Jumpbox) AllProxy(keyPath string) string {
	return "ssh+socks5://" + j.User + "@" + j.Addr + "?private-key=" + keyPath
}

// SSHGatewayHostKey is the jumpbox's host key, for pinning it.
func (f *Foundation) SSHGatewayHostKey() (ssh.PublicKey, error) {
	j, err := f.Jumpbox()
	return j.HostKey, err
}

// SSHGatewayAddr is the jumpbox's host:port.
func (f *Foundation) SSHGatewayAddr() (string, error) {
	j, err := f.Jumpbox()
	return j.Addr, err
}

// JumpboxPrivateKeyPEM is the key the jumpbox accepts for its user.
func (f *Foundation) JumpboxPrivateKeyPEM() ([]byte, error) {
	j, err := f.Jumpbox()
	return j.PrivateKeyPEM, err
}

// GatewayKnownHostsLine is the jumpbox's known_hosts line, so a client
// outside the process can check the jumpbox's key.
func (f *Foundation) GatewayKnownHostsLine() (string, error) {
	j, err := f.Jumpbox()
	if err != nil {
		return "", err
	}
	return j.KnownHostsLine(), nil
}
