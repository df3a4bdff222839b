package sim

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"

	"golang.org/x/crypto/ssh"
)

// The jump host: the director's gateway and a BOSH_ALL_PROXY jump box.

func (h *sshHub) jumpConfig() *ssh.ServerConfig {
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if bytes.Equal(key.Marshal(), h.jumpboxKey.PublicKey().Marshal()) {
				return nil, nil
			}
			if meta.User() == "vcap" && h.sessionKey(key) {
				return nil, nil
			}
			return nil, errors.New("key not accepted by the gateway")
		},
	}
	cfg.AddHostKey(h.jumpKey)
	return cfg
}

// sessionKey reports whether key is an SSH session key set up on any VM:
// the gateway trusts the keys the director installs.
func (h *sshHub) sessionKey(key ssh.PublicKey) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, v := range h.vms {
		v.mu.Lock()
		for _, k := range v.authorized {
			if bytes.Equal(k.Marshal(), key.Marshal()) {
				v.mu.Unlock()
				return true
			}
		}
		v.mu.Unlock()
	}
	return false
}

// handleJump forwards direct-tcpip channels: a VM's ip:22 to its
// endpoint, loopback addresses (the director, the UAA) as they are.
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
		addr := ""
		h.mu.Lock()
		if v := h.vms[p.Host]; v != nil && p.Port == 22 {
			addr = v.ln.Addr().String()
		}
		h.mu.Unlock()
		if ip := net.ParseIP(p.Host); addr == "" && ip != nil && ip.IsLoopback() {
			addr = net.JoinHostPort(p.Host, strconv.Itoa(int(p.Port)))
		}
		if addr == "" {
			nc.Reject(ssh.ConnectionFailed, "no route to host "+p.Host)
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
