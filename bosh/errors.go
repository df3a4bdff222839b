package bosh

import (
	"errors"
	"fmt"
	"strings"
)

// Kind says what sort of failure an Error is, so that callers can react
// (retry, ask for credentials, fix the config) without reading messages.
type Kind int

const (
	KindUnknown      Kind = iota // not a bosun error, or nil
	KindUnreachable              // no connection to the director or UAA
	KindTLS                      // TLS handshake or certificate verification failed
	KindUnauthorized             // credentials missing or refused (401, UAA rejection)
	KindScope                    // authenticated, but the token lacks the scope (401, code 600000)
	KindDirector                 // the director answered with an error status
	KindTaskFailed               // a director task ended in error, cancelled or timeout
	KindNotFound                 // 404: no such deployment, task, instance or route
	KindBadResponse              // the answer could not be understood (bad JSON, redirect loop)
	KindConfig                   // the local configuration is wrong (environment, CA, proxy)
	KindCanceled                 // the caller's context ended first
)

var kindNames = [...]string{"unknown", "unreachable", "tls", "unauthorized", "scope", "director", "task-failed", "not-found", "bad-response", "config", "canceled"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is a classified failure of a director call or of resolving the
// environment.
type Error struct {
	Kind        Kind
	Op          string // what bosun was doing, e.g. "list deployments"
	URL         string // the director URL
	Status      int    // HTTP status, when the director or UAA answered
	Code        int    // the director's error code, e.g. 70000
	Description string // the director's description, or what went wrong
	TaskID      int    // the director task involved, if any
	Err         error  // the underlying error

	service string // "director" or "UAA": who failed, for the message
	state   string // the final task state, for KindTaskFailed
}

// Error renders one line, e.g.
//
//	list deployments: director https://10.0.0.6:25555 unreachable: connection refused
func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	svc := e.service
	if svc == "" {
		svc = "director"
	}
	switch e.Kind {
	case KindUnreachable:
		b.WriteString(svc)
		if e.URL != "" && svc == "director" {
			b.WriteString(" " + e.URL)
		}
		b.WriteString(" unreachable")
		appendDesc(&b, e.Description)
	case KindTLS:
		b.WriteString("TLS: ")
		b.WriteString(e.Description)
	case KindScope:
		b.WriteString("insufficient scope")
		appendDesc(&b, e.Description)
	case KindDirector, KindNotFound:
		switch {
		case e.Code != 0:
			fmt.Fprintf(&b, "%s error %d", svc, e.Code)
		case e.Status != 0:
			fmt.Fprintf(&b, "%s error (HTTP %d)", svc, e.Status)
		default:
			b.WriteString(svc + " error")
		}
		appendDesc(&b, e.Description)
	case KindTaskFailed:
		fmt.Fprintf(&b, "task %d failed (state %s)", e.TaskID, e.state)
		appendDesc(&b, e.Description)
	case KindBadResponse:
		b.WriteString("bad response from " + svc)
		appendDesc(&b, e.Description)
	case KindCanceled:
		b.WriteString("canceled")
	case KindUnauthorized:
		b.WriteString("unauthorized")
		appendDesc(&b, e.Description)
	default: // KindConfig and KindUnknown carry a full sentence
		if e.Description != "" {
			b.WriteString(e.Description)
		} else if e.Err != nil {
			b.WriteString(oneLine(e.Err.Error()))
		}
	}
	return b.String()
}

func appendDesc(b *strings.Builder, d string) {
	if d != "" {
		b.WriteString(": ")
		b.WriteString(d)
	}
}

// Unwrap gives the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// KindOf is the Kind of the first *Error in err's chain, KindCanceled for
// a bare context error, and KindUnknown otherwise.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if isContextErr(err) {
		return KindCanceled
	}
	return KindUnknown
}

// oneLine folds whitespace runs (newlines included) into single spaces and
// cuts overly long text.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 300
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
