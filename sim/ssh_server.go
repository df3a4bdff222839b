package sim

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/term"
)

// sshHub holds the SSH side of the foundation: one endpoint per VM that
// has been the target of an SSH setup, each on loopback with its own host
// key, and the jump host the director names as its gateway.
type sshHub struct {
	f       *Foundation
	mu      sync.Mutex
	vms     map[string]*sshVM // by VM IP
	jump    net.Listener
	jumpKey ssh.Signer
	// jumpboxKey is the key the jump host accepts for any user, as a
	// BOSH_ALL_PROXY jump box would.
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

// sshHubLocked returns the hub, starting the jump host on first use.
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
	block, err := ssh.MarshalPrivateKey(priv, "bosun simulated jumpbox")
	if err != nil {
		return nil, err
	}
	h.jumpboxPEM = pem.EncodeToMemory(block)
	if h.jumpboxKey, err = ssh.NewSignerFromKey(priv); err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(f.dirLn.Addr().String())
	if h.jump, err = net.Listen("tcp", net.JoinHostPort(host, "0")); err != nil {
		return nil, fmt.Errorf("sim: ssh gateway listen: %w", err)
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

// layOut writes the VM's file system: BOSH directories, the host key and,
// on a kubo master, the kube-apiserver job.
func (v *sshVM) layOut(f *Foundation) {
	v.fs.mkdir("/tmp", true)
	v.fs.mkdir("/home", true)
	v.fs.put("/etc/ssh/ssh_host_rsa_key.pub", ssh.MarshalAuthorizedKey(v.hostKey.PublicKey()), 0o644)
	v.fs.put("/var/vcap/bosh/log/current", []byte("simulated agent log\n"), 0o644)
	v.fs.mkdir("/var/vcap/data", true)
	for _, j := range v.inst.Group.Jobs {
		v.fs.mkdir("/var/vcap/jobs/"+j.Name+"/config", true)
		v.fs.mkdir("/var/vcap/sys/log/"+j.Name, true)
	}
	if v.inst.Group.Name != "master" || !v.hasJob("kube-apiserver") {
		return
	}
	d := f.content.byName[v.inst.Deployment]
	masters := 0
	for _, in := range d.Instances {
		if in.Group == v.inst.Group {
			masters++
		}
	}
	v.layOutMaster(masters, clusterAuditOn(f.content, d), auditLogPathFor(d))
}

func (v *sshVM) hasJob(name string) bool {
	for _, j := range v.inst.Group.Jobs {
		if j.Name == name {
			return true
		}
	}
	return false
}

// clusterAuditOn: the 3-master clusters start with audit logging on in
// their rendered flags when they are the upgrading one, off otherwise;
// single-master clusters alternate.
func clusterAuditOn(c *content, d *deployment) bool {
	for i, cd := range c.clusters {
		if cd == d {
			return i == 0 || i == 3
		}
	}
	return false
}

// auditLogPathFor is the audit log path of the deployment's kubo line:
// moved under audit/log/ in TKGI 1.13.5.
func auditLogPathFor(d *deployment) string {
	for _, r := range d.Releases {
		if r.Name == "kubo" && versionLess(r.Version, "1.13.5") {
			return apiserverLogDir + "/audit.log"
		}
	}
	return apiserverLogDir + "/audit/log/audit.log"
}

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

// handle serves the session channels of one connection.
func (v *sshVM) handle(sc *ssh.ServerConn, chans <-chan ssh.NewChannel) {
	var wg sync.WaitGroup
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only session channels")
			continue
		}
		ch, reqs, err := nc.Accept()
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			v.session(sc, ch, reqs)
		}()
	}
	wg.Wait()
}

// dropReader cuts the whole connection once limit bytes of stdin have
// arrived: the SSH drop fault.
type dropReader struct {
	r     io.Reader
	limit int
	n     int
	conn  *ssh.ServerConn
}

func (d *dropReader) Read(p []byte) (int, error) {
	if d.limit > 0 && d.n >= d.limit {
		d.conn.Close()
		return 0, io.ErrUnexpectedEOF
	}
	if d.limit > 0 && len(p) > d.limit-d.n {
		p = p[:d.limit-d.n]
	}
	n, err := d.r.Read(p)
	d.n += n
	return n, err
}

func (v *sshVM) session(sc *ssh.ServerConn, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	sh := &shell{h: v, user: sc.User()}
	v.f.mu.Lock()
	drop := v.f.faults.SSHDropAfter
	v.f.mu.Unlock()
	stdin := &dropReader{r: ch, limit: drop, conn: sc}
	pty := false
	for req := range reqs {
		switch req.Type {
		case "pty-req":
			pty = true
			req.Reply(true, nil)
		case "env", "window-change":
			req.Reply(true, nil)
		case "exec":
			var p struct{ Cmd string }
			if err := ssh.Unmarshal(req.Payload, &p); err != nil {
				req.Reply(false, nil)
				continue
			}
			req.Reply(true, nil)
			status, _ := sh.run(p.Cmd, stdin, ch, ch.Stderr())
			if drop > 0 && stdin.n >= drop {
				sc.Close() // the drop happened while the command ran
				return
			}
			sendExit(ch, status)
			return
		case "shell":
			req.Reply(true, nil)
			go ssh.DiscardRequests(reqs)
			sendExit(ch, v.interactive(sh, ch, pty))
			return
		default:
			req.Reply(false, nil)
		}
	}
}

func sendExit(ch ssh.Channel, status int) {
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, uint32(status))
	ch.SendRequest("exit-status", false, b)
}

// interactive is the login shell: a prompt, one command line at a time.
func (v *sshVM) interactive(sh *shell, ch ssh.Channel, pty bool) int {
	prompt := func() string {
		p := v.inst.Group.Name + "/" + v.inst.ID + ":~$ "
		if sh.root {
			p = v.inst.Group.Name + "/" + v.inst.ID + ":~# "
		}
		return p
	}
	var out io.Writer = ch
	if pty {
		t := term.NewTerminal(ch, prompt())
		fmt.Fprintf(t, "Unauthorized use is strictly prohibited. All access and activity\nis subject to logging and monitoring.\n")
		for {
			t.SetPrompt(prompt())
			line, err := t.ReadLine()
			if err != nil {
				return 0
			}
			if st, exit := v.runInteractive(sh, line, t); exit {
				return st
			}
		}
	}
	r := bufio.NewReader(ch)
	status := 0
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			st, exit := v.runInteractive(sh, strings.TrimRight(line, "\r\n"), out)
			status = st
			if exit {
				return st
			}
		}
		if err != nil {
			return status
		}
	}
}

func (v *sshVM) runInteractive(sh *shell, line string, out io.Writer) (int, bool) {
	if strings.TrimSpace(line) == "sudo -i" || strings.TrimSpace(line) == "sudo su" {
		sh.root = true
		return 0, false
	}
	return sh.run(line, strings.NewReader(""), out, out)
}

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
