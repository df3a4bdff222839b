package bosh

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestServerErrorBurstIsRetried(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	f.addDeployment("a")
	var fails atomic.Int32
	fails.Store(2)
	f.override = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/deployments" && fails.Add(-1) >= 0 {
			w.WriteHeader(500)
			return true
		}
		return false
	}
	deps, err := testClient(uaaTarget(f), Options{}).Deployments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 1 || f.count("GET /deployments") != 3 {
		t.Fatalf("deps %v after %d requests", deps, f.count("GET /deployments"))
	}
}

func TestPersistentServerErrorKeepsStatus(t *testing.T) {
	for _, status := range []int{500, 502} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			f := newFakeDirector(t, "uaa")
			f.override = func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/deployments" {
					w.WriteHeader(status)
					return true
				}
				return false
			}
			_, err := testClient(uaaTarget(f), Options{}).Deployments(context.Background())
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindDirector || e.Status != status {
				t.Fatalf("err = %#v", err)
			}
			if want := fmt.Sprintf("list deployments: director error (HTTP %d)", status); e.Error() != want {
				t.Fatalf("message %q, want %q", e.Error(), want)
			}
			if n := f.count("GET /deployments"); n != retryAttempts {
				t.Fatalf("%d requests, want %d", n, retryAttempts)
			}
		})
	}
}

func TestRedirectLoopIsAClearError(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	f.addDeployment("d", vmLine("web", 0, "id", "running"))
	f.override = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/tasks/") {
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
			return true
		}
		return false
	}
	_, err := testClient(uaaTarget(f), Options{}).InstanceDetails(context.Background(), "d")
	if KindOf(err) != KindBadResponse || err.Error() != "instance details of d: bad response from director: too many redirects (redirect loop)" {
		t.Fatalf("err = %v", err)
	}
}

func TestWrongCAIsTLS(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	tg := uaaTarget(f)
	tg.CACert = otherCA(t)
	_, err := testClient(tg, Options{}).Deployments(context.Background())
	if KindOf(err) != KindTLS {
		t.Fatalf("err = %v (kind %v)", err, KindOf(err))
	}
	if err.Error() != "list deployments: TLS: director certificate not signed by the configured CA (check BOSH_CA_CERT)" {
		t.Fatalf("message = %q", err)
	}
}

func TestHostnameMismatchIsTLS(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	tg := uaaTarget(f)
	tg.URL = strings.Replace(f.URL(), "127.0.0.1", "localhost", 1)
	_, err := testClient(tg, Options{}).Deployments(context.Background())
	if KindOf(err) != KindTLS || !strings.Contains(err.Error(), "not localhost (check the environment URL)") {
		t.Fatalf("err = %v", err)
	}
}

func TestRefusedConnectionIsUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	url := "https://" + addr
	_, err = testClient(Target{URL: url, Client: "c", ClientSecret: "s"}, Options{}).Deployments(context.Background())
	if KindOf(err) != KindUnreachable {
		t.Fatalf("err = %v (kind %v)", err, KindOf(err))
	}
	if want := "list deployments: director " + url + " unreachable: connection refused"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
}

func TestDirectorNotFoundCode(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	_, err := testClient(uaaTarget(f), Options{}).InstanceDetails(context.Background(), "x")
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindNotFound || e.Status != 404 || e.Code != 70000 {
		t.Fatalf("err = %#v", err)
	}
	if e.Error() != "instance details of x: director error 70000: Deployment 'x' doesn't exist" {
		t.Fatalf("message = %q", e.Error())
	}
}

func TestScopeError(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	f.override = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/deployments" {
			writeJSON(w, 401, map[string]any{"code": 600000, "description": "Require one of the scopes: bosh.admin, bosh.read"})
			return true
		}
		return false
	}
	_, err := testClient(uaaTarget(f), Options{}).Deployments(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindScope || e.Code != 600000 {
		t.Fatalf("err = %#v", err)
	}
	if e.Error() != "list deployments: insufficient scope: Require one of the scopes: bosh.admin, bosh.read" {
		t.Fatalf("message = %q", e.Error())
	}
}

func TestTaskEndingInErrorIsTaskFailed(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	f.addDeployment("d", vmLine("web", 0, "id", "running"))
	f.taskState = func(tk *fakeTask) string {
		if tk.polls < 2 {
			return "processing"
		}
		tk.result = "Timed out sending 'get_state' to agent"
		return "error"
	}
	_, err := testClient(uaaTarget(f), Options{}).InstanceDetails(context.Background(), "d")
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindTaskFailed || e.TaskID != 1 {
		t.Fatalf("err = %#v", err)
	}
	if e.Error() != "instance details of d: task 1 failed (state error): Timed out sending 'get_state' to agent" {
		t.Fatalf("message = %q", e.Error())
	}
}

func TestUnauthorizedBasicListing(t *testing.T) {
	f := newFakeDirector(t, "basic")
	_, err := testClient(Target{URL: f.URL(), CACert: f.CACertPEM(), Client: "admin", ClientSecret: "bad"}, Options{}).Deployments(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindUnauthorized || e.Status != 401 {
		t.Fatalf("err = %#v", err)
	}
	if !strings.Contains(e.Error(), "refused the credentials (HTTP 401)") {
		t.Fatalf("message = %q", e.Error())
	}
}

// otherCA is the PEM of a CA that did not sign the test server.
func otherCA(t *testing.T) string {
	t.Helper()
	return newCAPEM()
}

// newCAPEM makes a fresh self-signed CA certificate.
func newCAPEM() string {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(7),
		Subject:               pkix.Name{CommonName: "other CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
