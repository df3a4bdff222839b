package pks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"

	"bosun/bosh"
)

// APIError is a classified failure of a PKS API or PKS UAA call. Kind uses
// the director client's vocabulary (bosh.KindUnreachable, KindTLS,
// KindUnauthorized, KindScope, KindNotFound, ...), so callers react to
// both the same way.
type APIError struct {
	Kind        bosh.Kind
	Op          string // what bosun was doing, e.g. "list clusters"
	URL         string // the PKS API or UAA base URL
	Service     string // "PKS API" or "PKS UAA"
	Status      int    // HTTP status when the server answered
	Description string
	Err         error
}

// Error renders one line, e.g.
//
//	list clusters: PKS API https://api.pks.example.com:9021 unreachable: connection refused
func (e *APIError) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op + ": ")
	}
	svc := e.Service
	if svc == "" {
		svc = "PKS API"
	}
	switch e.Kind {
	case bosh.KindUnreachable:
		b.WriteString(svc + " " + e.URL + " unreachable")
	case bosh.KindTLS:
		b.WriteString("TLS with " + svc)
	case bosh.KindUnauthorized:
		b.WriteString(svc + " refused the credentials")
	case bosh.KindScope:
		b.WriteString(svc + ": insufficient privileges")
	case bosh.KindNotFound:
		b.WriteString(svc + ": not found")
	case bosh.KindBadResponse:
		b.WriteString("bad response from " + svc)
	case bosh.KindCanceled:
		b.WriteString("canceled")
	case bosh.KindConfig:
		b.WriteString(e.Description)
		return b.String()
	default:
		if e.Status != 0 {
			fmt.Fprintf(&b, "%s error (HTTP %d)", svc, e.Status)
		} else {
			b.WriteString(svc + " error")
		}
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	return b.String()
}

func (e *APIError) Unwrap() error { return e.Err }

// KindOf is the Kind of the first *APIError in err's chain (else what
// bosh.KindOf says).
func KindOf(err error) bosh.Kind {
	var e *APIError
	if errors.As(err, &e) {
		return e.Kind
	}
	return bosh.KindOf(err)
}

func configErr(format string, args ...any) error {
	return &APIError{Kind: bosh.KindConfig, Description: fmt.Sprintf(format, args...)}
}

// transportErr classifies a failure to get any answer at all.
func transportErr(op, svc, url string, err error) error {
	e := &APIError{Op: op, Service: svc, URL: url, Err: err}
	var (
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		certErr   *tls.CertificateVerificationError
		recErr    tls.RecordHeaderError
		netErr    net.Error
	)
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "Client.Timeout"):
		e.Kind = bosh.KindCanceled
	case errors.As(err, &unknownCA):
		e.Kind, e.Description = bosh.KindTLS, "certificate not signed by the configured CA (check --pks-ca-cert / PKS_CA_CERT)"
	case errors.As(err, &hostErr):
		e.Kind, e.Description = bosh.KindTLS, "certificate is not valid for "+hostErr.Host+" (check the PKS API URL)"
	case errors.As(err, &certErr):
		e.Kind, e.Description = bosh.KindTLS, certErr.Err.Error()
	case errors.As(err, &recErr):
		e.Kind, e.Description = bosh.KindTLS, "the server does not speak HTTPS"
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Kind, e.Description = bosh.KindUnreachable, "timeout"
	default:
		e.Kind, e.Description = bosh.KindUnreachable, networkReason(err)
	}
	return e
}

func networkReason(err error) string {
	low := strings.ToLower(err.Error())
	for _, r := range []string{"connection refused", "no such host", "network is unreachable", "no route to host",
		"connection reset by peer", "i/o timeout", "eof"} {
		if strings.Contains(low, r) {
			return r
		}
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// statusErr classifies an HTTP error answer; body is the PKS API's
// {"body": "..."} or UAA's {"error", "error_description"}.
func statusErr(op, svc, url string, status int, body []byte) error {
	e := &APIError{Op: op, Service: svc, URL: url, Status: status}
	var pe struct {
		Body        string `json:"body"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &pe) == nil {
		e.Description = firstNonEmpty(pe.Body, pe.Description, pe.Error)
	}
	if e.Description == "" {
		e.Description = clip(strings.Join(strings.Fields(string(body)), " "), 200)
	}
	switch {
	case status == 401 || svc == "PKS UAA" && status >= 400 && status < 500:
		e.Kind = bosh.KindUnauthorized
	case status == 403:
		e.Kind = bosh.KindScope
	case status == 404:
		e.Kind = bosh.KindNotFound
	default:
		e.Kind = bosh.KindDirector
	}
	return e
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
