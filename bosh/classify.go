package bosh

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
)

// The bosh-cli director and uaa packages report failures as strings (the
// bosh-utils HTTP client even flattens the wrapped chain into text), so the
// classification below reads the messages those packages write.
var (
	directorStatusRe = regexp.MustCompile(`(?s)Director responded with non-successful status code '(\d+)' response '(.*)'$`)
	uaaStatusRe      = regexp.MustCompile(`(?s)UAA responded with non-successful status code '(\d+)' response '(.*)'$`)
	taskStateRe      = regexp.MustCompile(`Expected task '(\d+)' to succeed but state is '([^']*)'`)
	validForRe       = regexp.MustCompile(`certificate is valid for ([^,]+(?:, [^,]+)*), not (\S+)`)
)

// codeScope is the director's error code for a token without the scope
// the route needs (sent with status 401).
const codeScope = 600000

// classify turns an error from the bosh-cli packages into an *Error for
// operation op on the director at url. It returns nil for nil, and an
// *Error as it is.
func classify(op, url string, err error) error {
	if err == nil {
		return nil
	}
	var be *Error
	if errors.As(err, &be) {
		if be.Op == "" {
			be.Op = op
		}
		if be.URL == "" {
			be.URL = url
		}
		return be
	}
	e := &Error{Op: op, URL: url, Err: err}
	if isContextErr(err) {
		e.Kind = KindCanceled
		return e
	}
	msg := err.Error()
	low := strings.ToLower(msg)
	if uaaRelated(low) {
		e.service = "UAA"
	}

	switch {
	case directorStatusRe.MatchString(msg):
		m := directorStatusRe.FindStringSubmatch(msg)
		fillStatus(e, m[1], m[2])
	case uaaStatusRe.MatchString(msg):
		m := uaaStatusRe.FindStringSubmatch(msg)
		fillUAAStatus(e, m[1], m[2])
	case taskStateRe.MatchString(msg):
		m := taskStateRe.FindStringSubmatch(msg)
		e.Kind = KindTaskFailed
		e.TaskID, _ = strconv.Atoi(m[1])
		e.state = m[2]
	case strings.Contains(low, "bosh_all_proxy") || strings.Contains(low, "socks5 proxy"):
		// A jump host that cannot be reached makes the director
		// unreachable; any other proxy failure is the setting's.
		e.Kind = KindConfig
		if isNetworkMessage(low) {
			e.Kind = KindUnreachable
		}
		e.Description = "BOSH_ALL_PROXY: " + lastSegment(msg)
	case isTLSMessage(low):
		e.Kind = KindTLS
		e.Description = tlsDescription(msg, low, e.serviceName())
	case strings.Contains(low, "too many redirects"):
		e.Kind = KindBadResponse
		e.Description = "too many redirects (redirect loop)"
	case strings.Contains(low, "unmarshaling director response") || strings.Contains(low, "unmarshaling uaa response"):
		e.Kind = KindBadResponse
		e.Description = "malformed JSON: " + lastSegment(msg)
	case strings.Contains(low, "not a refresh token") || strings.Contains(low, "expected non-empty refresh token"):
		e.Kind = KindUnauthorized
		e.Description = "the saved UAA session cannot be refreshed; run `bosh log-in` again"
	case isNetworkMessage(low):
		e.Kind = KindUnreachable
		e.Description = networkReason(msg, low)
	default:
		e.Kind = KindBadResponse
		e.Description = oneLine(msg)
	}
	return e
}

func (e *Error) serviceName() string {
	if e.service == "" {
		return "director"
	}
	return e.service
}

// fillStatus reads the status and, when the body is the director's JSON
// error, its code and description.
func fillStatus(e *Error, status, body string) {
	e.Status, _ = strconv.Atoi(status)
	var dirErr struct {
		Code        int    `json:"code"`
		Description string `json:"description"`
	}
	if json.Unmarshal([]byte(body), &dirErr) == nil && (dirErr.Code != 0 || dirErr.Description != "") {
		e.Code, e.Description = dirErr.Code, oneLine(dirErr.Description)
	} else {
		e.Description = oneLine(body)
	}
	switch {
	case e.Status == 401 && e.Code == codeScope, e.Status == 403:
		e.Kind = KindScope
	case e.Status == 401:
		e.Kind = KindUnauthorized
		e.Description = "director " + e.URL + " refused the credentials (HTTP 401); check BOSH_CLIENT/BOSH_CLIENT_SECRET or run `bosh log-in`"
	case e.Status == 404:
		e.Kind = KindNotFound
	default:
		e.Kind = KindDirector
	}
}

func fillUAAStatus(e *Error, status, body string) {
	e.service = "UAA"
	e.Status, _ = strconv.Atoi(status)
	var uaaErr struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	detail := oneLine(body)
	if json.Unmarshal([]byte(body), &uaaErr) == nil && (uaaErr.Error != "" || uaaErr.Description != "") {
		detail = uaaErr.Description
		if detail == "" {
			detail = uaaErr.Error
		}
		detail = oneLine(detail)
	}
	if e.Status >= 400 && e.Status < 500 {
		e.Kind = KindUnauthorized
		e.Description = "UAA refused the credentials (HTTP " + status + ")"
		if detail != "" {
			e.Description += ": " + detail
		}
		return
	}
	e.Kind = KindDirector
	e.Description = detail
}

func uaaRelated(low string) bool {
	return strings.Contains(low, "requesting token") || strings.Contains(low, "refreshing token") ||
		strings.Contains(low, "uaa responded") || strings.Contains(low, "uaa response")
}

func isTLSMessage(low string) bool {
	return strings.Contains(low, "x509:") || strings.Contains(low, "tls:") ||
		strings.Contains(low, "server gave http response to https client") ||
		strings.Contains(low, "certificate")
}

func tlsDescription(msg, low, svc string) string {
	switch {
	case strings.Contains(low, "signed by unknown authority"):
		return svc + " certificate not signed by the configured CA (check BOSH_CA_CERT)"
	case validForRe.MatchString(msg):
		m := validForRe.FindStringSubmatch(msg)
		return svc + " certificate is for " + m[1] + ", not " + strings.TrimRight(m[2], `":`) + " (check the environment URL)"
	case strings.Contains(low, "not valid for any names") || strings.Contains(low, "doesn't contain any ip sans"):
		return svc + " certificate names no host or address (check the environment URL)"
	case strings.Contains(low, "expired or is not yet valid"):
		return svc + " certificate has expired or is not yet valid"
	case strings.Contains(low, "server gave http response to https client"):
		return svc + " answers plain HTTP, not HTTPS"
	default:
		return "handshake with " + svc + " failed: " + lastSegment(msg)
	}
}

var networkReasons = []string{
	"connection refused", "no such host", "i/o timeout", "network is unreachable",
	"no route to host", "connection reset by peer", "broken pipe", "tls handshake timeout",
	"server misbehaving", "unexpected eof", "eof",
}

func isNetworkMessage(low string) bool {
	for _, r := range networkReasons {
		if strings.Contains(low, r) {
			return true
		}
	}
	return strings.Contains(low, "dial tcp") || strings.Contains(low, "timeout")
}

func networkReason(msg, low string) string {
	for _, r := range networkReasons {
		if strings.Contains(low, r) {
			return r
		}
	}
	return lastSegment(msg)
}

// lastSegment is the innermost cause of a "a: b: c" chain message.
func lastSegment(msg string) string {
	msg = strings.Join(strings.Fields(msg), " ")
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		msg = msg[i+2:]
	}
	return oneLine(msg) // shortened after the cut, so a long head does not cut the tail
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
