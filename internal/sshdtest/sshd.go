// Package sshdtest starts a real OpenSSH sshd on 127.0.0.1 for tests,
// with its own configuration, host key and authorized key under a
// temporary directory.
package sshdtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// Server is a running sshd.
type Server struct {
	Addr    string        // 127.0.0.1:PORT
	IP      string        // 127.0.0.1
	Port    int           // the port
	HostKey ssh.PublicKey // what it presents
	User    string        // the user the client logs in as (the test's own)
	Signer  ssh.Signer    // the client key it accepts
	Dir     string        // its temporary directory
}

// sshdPath is where Debian's openssh-server installs the daemon.
const sshdPath = "/usr/sbin/sshd"

// Start runs sshd until the test ends. It fails the test, with what to
// install, when sshd is missing.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := os.Stat(sshdPath); err != nil {
		t.Fatalf("real-sshd test: %s not found (%v); install Debian's openssh-server (apt-get install -y openssh-server), as .ci/run does", sshdPath, err)
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatalf("real-sshd test: sshd needs its privilege-separation directory /run/sshd: %v", err)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	hostSigner, hostPEM := newKey(t)
	clientSigner, _ := newKey(t)
	write := func(name string, b []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hostKeyPath := write("ssh_host_ed25519_key", hostPEM, 0o600)
	authPath := write("authorized_keys", ssh.MarshalAuthorizedKey(clientSigner.PublicKey()), 0o600)
	port := freePort(t)
	cfg := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
PidFile %s
AuthorizedKeysFile %s
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowTcpForwarding no
X11Forwarding no
PrintMotd no
LogLevel ERROR
`, port, hostKeyPath, filepath.Join(dir, "sshd.pid"), authPath)
	cfgPath := write("sshd_config", []byte(cfg), 0o600)
	cmd := exec.Command(sshdPath, "-D", "-e", "-f", cfgPath)
	logf, err := os.Create(filepath.Join(dir, "sshd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("real-sshd test: start sshd: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		logf.Close()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	// sshd is an external process: poll for its port, with a deadline.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "sshd.log"))
			t.Fatalf("real-sshd test: sshd exited: %v: %s", err, log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("real-sshd test: sshd not listening on %s after 10s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return &Server{Addr: addr, IP: "127.0.0.1", Port: port, HostKey: hostSigner.PublicKey(), User: me.Username, Signer: clientSigner, Dir: dir}
}

func newKey(t testing.TB) (ssh.Signer, []byte) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	return s, pem.EncodeToMemory(block)
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
