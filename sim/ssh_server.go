package sim

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// sshHub holds the SSH side of the foundation: one endpoint per VM that
// has been the target of an SSH setup, each on loopback with its own host
// key, and the jumpbox in front of them (sim/ssh_jumpbox.go).
type sshHub struct {
	f       *Foundation
	mu      sync.Mutex
	vms     map[string]*sshVM // by VM IP
	jump    net.Listener      // the jumpbox
	jumpKey ssh.Signer        // the jumpbox's host key
	// jumpboxKey is the key the jumpbox accepts for its user, jumpbox.
	jumpboxKey ssh.Signer
	jumpboxPEM []byte
	closed     bool
	wg         sync.WaitGroup
	conns      map[net.Conn]bool
}

// sshVM is one VM reachable over SSH.
type sshVM struct {
	f       *Foundation
	inst    *instance
	ip      string
	fs      *vmFS
	hostKey ssh.Signer
	ln      net.Listener
	api     *apiserver // masters only

	mu         sync.Mutex
	authorized map[string]ssh.PublicKey // user → key
}

func newEd25519Signer() (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return ssh.NewSignerFromKey(priv)
}

// sshHubLocked returns the hub, starting the jumpbox on first use.
// Call with f.mu held.
func (f *Foundation) sshHubLocked() (*sshHub, error) {
	if f.ssh != nil {
		return f.ssh, nil
	}
	h := &sshHub{f: f, vms: map[string]*sshVM{}, conns: map[net.Conn]bool{}}
	var err error
	if h.jumpKey, err = newEd25519Signer(); err != nil {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "jumpbox")
	if err != nil {
		return nil, err
	}
	h.jumpboxPEM = pem.EncodeToMemory(block)
	if h.jumpboxKey, err = ssh.NewSignerFromKey(priv); err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(f.dirLn.Addr().String())
	if h.jump, err = net.Listen("tcp", net.JoinHostPort(host, "0")); err != nil {
		return nil, fmt.Errorf("sim: jumpbox listen: %w", err)
	}
	h.serve(h.jump, h.jumpConfig(), h.handleJump)
	f.ssh = h
	return h, nil
}

// vm returns the SSH endpoint of in's VM, laying out its files and
// starting its server on first use.
func (h *sshHub) vm(in *instance) (*sshVM, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errClosing
	}
	ip := in.VM.IPs[0]
	if v := h.vms[ip]; v != nil {
		return v, nil
	}
	key, err := newEd25519Signer()
	if err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(h.jump.Addr().String())
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("sim: ssh listen for %s: %w", in.name(), err)
	}
	v := &sshVM{f: h.f, inst: in, ip: ip, fs: newVMFS(), hostKey: key, ln: ln, authorized: map[string]ssh.PublicKey{}}
	v.layOut(h.f)
	h.vms[ip] = v
	h.serve(ln, v.serverConfig(), v.handle)
	return v, nil
}

// serve accepts SSH connections on ln until the hub closes, each served
// by handle.
func (h *sshHub) serve(ln net.Listener, cfg *ssh.ServerConfig, handle func(*ssh.ServerConn, <-chan ssh.NewChannel)) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			if h.closed {
				h.mu.Unlock()
				c.Close()
				return
			}
			h.conns[c] = true
			h.wg.Add(1)
			h.mu.Unlock()
			go func() {
				defer h.wg.Done()
				defer func() {
					h.mu.Lock()
					delete(h.conns, c)
					h.mu.Unlock()
					c.Close()
				}()
				sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
				if err != nil {
					return
				}
				go ssh.DiscardRequests(reqs)
				handle(sc, chans)
			}()
		}
	}()
}

func (h *sshHub) close() {
	h.mu.Lock()
	h.closed = true
	h.jump.Close()
	for _, v := range h.vms {
		v.ln.Close()
	}
	for c := range h.conns {
		c.Close()
	}
	h.mu.Unlock()
	h.wg.Wait()
}

func (v *sshVM) serverConfig() *ssh.ServerConfig {
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			v.mu.Lock()
			want := v.authorized[meta.User()]
			v.mu.Unlock()
			if want != nil && bytes.Equal(want.Marshal(), key.Marshal()) {
				return nil, nil
			}
			return nil, fmt.Errorf("no authorized key for %s", meta.User())
		},
	}
	cfg.AddHostKey(v.hostKey)
	return cfg
}

// authorize installs a session key for user (the agent's ssh action).
func (v *sshVM) authorize(user string, key ssh.PublicKey) {
	v.mu.Lock()
	v.authorized[user] = key
	v.mu.Unlock()
	v.fs.put("/home/"+user+"/.ssh/authorized_keys", ssh.MarshalAuthorizedKey(key), 0o600)
}

// revoke deletes the users matching prefix and returns how many.
func (v *sshVM) revoke(prefix string) int {
	v.mu.Lock()
	var gone []string
	for u := range v.authorized {
		if strings.HasPrefix(u, prefix) {
			gone = append(gone, u)
			delete(v.authorized, u)
		}
	}
	v.mu.Unlock()
	for _, u := range gone {
		v.fs.remove("/home/"+u, true)
	}
	return len(gone)
}

// Users lists the SSH users set up on a VM.
func (v *sshVM) users() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []string
	for u := range v.authorized {
		out = append(out, u)
	}
	return out
}
