package sim

import (
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"time"
)

// newServer builds an HTTPS server for the director, a UAA or the PKS API.
// It speaks HTTP/1.1 only, as the real ones do (nginx in front of the
// director's Ruby app, UAA's Tomcat, the PKS API's Spring app): its TLS
// handshake offers no "h2" in ALPN. Every request body is read to its end
// before the answer starts (drainingWriter).
func newServer(cert tls.Certificate, h http.Handler) *http.Server {
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	return &http.Server{
		Handler: drainBodies(h),
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{cert},
			MinVersion:   tls.VersionTLS12,
			NextProtos:   []string{"http/1.1"},
		},
		Protocols:         protocols,
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
}

// drainBodies makes every handler read its request's body before it
// answers: whatever the handler left unread is read and dropped when it
// writes its status or first byte, or when it returns without writing.
func drainBodies(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dw := &drainingWriter{ResponseWriter: w, body: r.Body}
		h.ServeHTTP(dw, r)
		dw.drain()
	})
}

// drainingWriter is a ResponseWriter that drains the request body before
// the first thing it sends.
type drainingWriter struct {
	http.ResponseWriter
	body    io.Reader
	drained bool
}

func (w *drainingWriter) drain() {
	if w.drained || w.body == nil {
		return
	}
	w.drained = true
	io.Copy(io.Discard, w.body)
}

func (w *drainingWriter) WriteHeader(status int) {
	w.drain()
	w.ResponseWriter.WriteHeader(status)
}

func (w *drainingWriter) Write(b []byte) (int, error) {
	w.drain()
	return w.ResponseWriter.Write(b)
}

// ReadFrom keeps the server's sendfile path for large downloads.
func (w *drainingWriter) ReadFrom(r io.Reader) (int64, error) {
	w.drain()
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(w.ResponseWriter, r)
}

func (w *drainingWriter) Flush() {
	w.drain()
	if fl, ok := w.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *drainingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
