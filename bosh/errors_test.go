package bosh

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// Messages as the bosh-cli director and uaa packages (and the bosh-utils
// HTTP client below them) produce them.
func TestClassifyLibraryMessages(t *testing.T) {
	const url = "https://10.0.0.6:25555"
	cases := []struct {
		name string
		msg  string
		kind Kind
		want string
	}{
		{"refused",
			"Finding deployments: Performing request GET 'https://10.0.0.6:25555/deployments': Performing GET request: Get \"https://10.0.0.6:25555/deployments\": dial tcp 10.0.0.6:25555: connect: connection refused",
			KindUnreachable, "op: director https://10.0.0.6:25555 unreachable: connection refused"},
		{"no such host",
			"Fetching info: Performing request GET 'https://nohost:25555/info': Performing GET request: Get \"https://nohost:25555/info\": dial tcp: lookup nohost on 127.0.0.53:53: no such host",
			KindUnreachable, "op: director https://10.0.0.6:25555 unreachable: no such host"},
		{"unknown CA",
			"Performing GET request: Get \"https://10.0.0.6:25555/info\": tls: failed to verify certificate: x509: certificate signed by unknown authority",
			KindTLS, "op: TLS: director certificate not signed by the configured CA (check BOSH_CA_CERT)"},
		{"hostname",
			"Performing GET request: Get \"https://bosh:25555/info\": tls: failed to verify certificate: x509: certificate is valid for 10.0.0.6, director.internal, not bosh",
			KindTLS, "op: TLS: director certificate is for 10.0.0.6, director.internal, not bosh (check the environment URL)"},
		{"expired",
			"Get \"https://10.0.0.6:25555/info\": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-11-23T11:00:00Z is after 2025-01-01T00:00:00Z",
			KindTLS, "op: TLS: director certificate has expired or is not yet valid"},
		{"plain http",
			"Performing GET request: Get \"https://10.0.0.6:25555/info\": http: server gave HTTP response to HTTPS client",
			KindTLS, "op: TLS: director answers plain HTTP, not HTTPS"},
		{"uaa unknown CA",
			"Requesting token via client credentials grant: Performing request POST 'https://10.0.0.6:8443/oauth/token': Performing POST request: Post \"https://10.0.0.6:8443/oauth/token\": tls: failed to verify certificate: x509: certificate signed by unknown authority",
			KindTLS, "op: TLS: UAA certificate not signed by the configured CA (check BOSH_CA_CERT)"},
		{"uaa refused",
			"Requesting token via client credentials grant: Performing request POST 'https://10.0.0.6:8443/oauth/token': Performing POST request: Post \"https://10.0.0.6:8443/oauth/token\": dial tcp 10.0.0.6:8443: connect: connection refused",
			KindUnreachable, "op: UAA unreachable: connection refused"},
		{"404 code",
			"Finding deployment 'x': Director responded with non-successful status code '404' response '{\"code\":70000,\"description\":\"Deployment 'x' doesn't exist\"}'",
			KindNotFound, "op: director error 70000: Deployment 'x' doesn't exist"},
		{"404 plain",
			"Director responded with non-successful status code '404' response 'Endpoint '/nope' not found.'",
			KindNotFound, "op: director error (HTTP 404): Endpoint '/nope' not found."},
		{"500 empty",
			"Director responded with non-successful status code '500' response ''",
			KindDirector, "op: director error (HTTP 500)"},
		{"401 plain",
			"Director responded with non-successful status code '401' response 'Not authorized: '/deployments'\n'",
			KindUnauthorized, "op: unauthorized: director https://10.0.0.6:25555 refused the credentials (HTTP 401); check BOSH_CLIENT/BOSH_CLIENT_SECRET or run `bosh log-in`"},
		{"401 scope",
			"Director responded with non-successful status code '401' response '{\"code\":600000,\"description\":\"Require one of the scopes: bosh.admin\"}'",
			KindScope, "op: insufficient scope: Require one of the scopes: bosh.admin"},
		{"uaa 401",
			"Requesting token via client credentials grant: UAA responded with non-successful status code '401' response '{\"error\":\"unauthorized\",\"error_description\":\"Bad credentials\"}'",
			KindUnauthorized, "op: unauthorized: UAA refused the credentials (HTTP 401): Bad credentials"},
		{"uaa 400 refresh",
			"refreshing token: Refreshing token: UAA responded with non-successful status code '400' response '{\"error\":\"invalid_grant\"}'",
			KindUnauthorized, "op: unauthorized: UAA refused the credentials (HTTP 400): invalid_grant"},
		{"uaa 503",
			"Requesting token via client credentials grant: UAA responded with non-successful status code '503' response 'down'",
			KindDirector, "op: UAA error (HTTP 503): down"},
		{"task",
			"Expected task '42' to succeed but state is 'error'",
			KindTaskFailed, "op: task 42 failed (state error)"},
		{"redirects",
			"Performing GET request: Get \"https://10.0.0.6:25555/tasks/1\": Too many redirects",
			KindBadResponse, "op: bad response from director: too many redirects (redirect loop)"},
		{"json",
			"Finding deployments: Unmarshaling Director response: unexpected end of JSON input",
			KindBadResponse, "op: bad response from director: malformed JSON: unexpected end of JSON input"},
		{"proxy",
			"Performing GET request: Get \"https://10.0.0.6:25555/info\": Parsing BOSH_ALL_PROXY query params: Required query param 'private-key' not found",
			KindConfig, "op: BOSH_ALL_PROXY: Required query param 'private-key' not found"},
		{"stale session",
			"refreshing token: not a refresh token",
			KindUnauthorized, "op: unauthorized: the saved UAA session cannot be refreshed; run `bosh log-in` again"},
		{"other",
			"something odd",
			KindBadResponse, "op: bad response from director: something odd"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := classify("op", url, errors.New(c.msg))
			if KindOf(err) != c.kind {
				t.Fatalf("kind %v, want %v", KindOf(err), c.kind)
			}
			if err.Error() != c.want {
				t.Fatalf("message\n %q\nwant\n %q", err.Error(), c.want)
			}
		})
	}
}

func TestClassifyParsesStatusAndCode(t *testing.T) {
	err := classify("op", "u", errors.New("Director responded with non-successful status code '404' response '{\"code\":70000,\"description\":\"Deployment 'x' doesn't exist\"}'"))
	var e *Error
	if !errors.As(err, &e) || e.Status != 404 || e.Code != 70000 || e.Description != "Deployment 'x' doesn't exist" || e.URL != "u" || e.Op != "op" {
		t.Fatalf("%#v", err)
	}
	if e.Unwrap() == nil || e.Unwrap().Error() == "" {
		t.Fatal("underlying error lost")
	}
	task := classify("op", "u", errors.New("Expected task '42' to succeed but state is 'cancelled'"))
	if !errors.As(task, &e) || e.TaskID != 42 || e.state != "cancelled" {
		t.Fatalf("%#v", task)
	}
}

func TestKindOf(t *testing.T) {
	if KindOf(nil) != KindUnknown || KindOf(errors.New("x")) != KindUnknown {
		t.Fatal("plain errors are unknown")
	}
	if KindOf(context.Canceled) != KindCanceled || KindOf(fmt.Errorf("w: %w", context.DeadlineExceeded)) != KindCanceled {
		t.Fatal("context errors are canceled")
	}
	wrapped := fmt.Errorf("outer: %w", &Error{Kind: KindScope})
	if KindOf(wrapped) != KindScope {
		t.Fatal("wrapped *Error not found")
	}
	if classify("op", "u", nil) != nil {
		t.Fatal("nil classified")
	}
	if KindTaskFailed.String() != "task-failed" || Kind(99).String() != "kind(99)" {
		t.Fatal("Kind.String")
	}
}

func TestClassifyKeepsExistingError(t *testing.T) {
	orig := &Error{Kind: KindConfig, Description: "d"}
	got := classify("op", "u", orig)
	if got != error(orig) || orig.Op != "op" || orig.URL != "u" || got.Error() != "op: d" {
		t.Fatalf("%#v", got)
	}
}
