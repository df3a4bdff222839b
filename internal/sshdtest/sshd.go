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
	"strings"
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

// SSHDPath is where Debian's openssh-server installs the daemon.
const SSHDPath = "/usr/sbin/sshd"

// RequireEnv names the variable that turns a missing system program into a
// test failure instead of a skip; .ci/run sets it, so CI always runs these.
const RequireEnv = "BOSUN_REQUIRE_SYSTEM_TESTS"

// packages names the Debian package of each program the system tests use.
var packages = map[string]string{
	SSHDPath: "openssh-server",
	"ssh":    "openssh-client",
	"sudo":   "sudo",
	"nc":     "netcat-openbsd",
}

// Require skips the test, naming the packages to install, when one of the
// programs is missing (a path, or a name looked up in PATH); with
// BOSUN_REQUIRE_SYSTEM_TESTS=1 it fails the test instead. `make test`
// installs them when it runs as root with apt.
func Require(t testing.TB, programs ...string) {
	t.Helper()
	var missing []string
	for _, p := range programs {
		var err error
		if filepath.IsAbs(p) {
			_, err = os.Stat(p)
		} else {
			_, err = exec.LookPath(p)
		}
		if err != nil {
			missing = append(missing, packages[p])
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("system test: needs Debian packages %v (apt-get install -y %s; make test installs them as root)",
		missing, strings.Join(missing, " "))
	if os.Getenv(RequireEnv) == "1" {
		t.Fatal(msg)
		return
	}
	t.Skip(msg)
}

// Start runs sshd until the test ends. When sshd is missing it skips the
// test (or fails it, under BOSUN_REQUIRE_SYSTEM_TESTS=1) naming what to install.
func Start(t testing.TB) *Server {
	t.Helper()
	Require(t, SSHDPath)
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
	cmd := exec.Command(SSHDPath, "-D", "-e", "-f", cfgPath)
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
