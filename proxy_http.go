package main

// The proxy's HTTP/1.1: just enough to read what a client sends a forward
// proxy (RFC 9110 section 9.3.6 CONNECT, RFC 9112 section 3.2.2 the
// absolute form) from an untrusted peer, the command in the sandbox. It is
// hand-written on bufio rather than net/http, which would more than double
// the binary's size for a server that needs one request per connection:
// a CONNECT opens a tunnel, and a plain request is sent on with its
// target rewritten to the origin form and "Connection: close", followed by
// its body as its own headers frame it (copyBody) and by nothing else: a
// second request on the connection is never forwarded, so every plain
// request a server gets through the proxy has a head the proxy wrote,
// with the Host it checked.
//
// Every read is bounded: a line by the reader's buffer (proxyLineMax), the
// head by proxyHeadMax bytes and proxyHeadLines lines; the caller puts a
// deadline on the connection while the head is read.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

const (
	proxyLineMax   = 8 << 10  // the reader's buffer: one line, request line included
	proxyHeadMax   = 64 << 10 // the whole head
	proxyHeadLines = 128
)

// proxyRequest is a parsed request head.
type proxyRequest struct {
	connect bool
	target  hostRequest
	// head is what to send the server for a plain request: the request
	// line in origin form and the headers without the hop-by-hop ones,
	// then Host and Connection: close. Empty for CONNECT.
	head []byte
	// body is how a plain request's body is framed: its length, or
	// bodyChunked. The proxy sends the server that much and no more.
	body int64
}

// headerField is a header line as received, and its name in lower case.
type headerField struct{ name, line string }

// bodyChunked marks a body in the chunked transfer coding.
const bodyChunked = -1

// httpError is a request the proxy answers with status and no further.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, v ...any) error {
	return &httpError{400, fmt.Sprintf(format, v...)}
}

// statusText is the reason phrase of the statuses the proxy sends.
func statusText(status int) string {
	switch status {
	case 200:
		return "Connection established"
	case 400:
		return "Bad Request"
	case 403:
		return "Forbidden"
	case 405:
		return "Method Not Allowed"
	case 431:
		return "Request Header Fields Too Large"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Unavailable"
	case 504:
		return "Gateway Timeout"
	}
	return "Error"
}

// errorResponse is the whole response for a refused or failed request.
func errorResponse(status int, msg string) []byte {
	body := "sandbox: " + oneLine(msg) + "\n"
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, statusText(status), len(body), body)
}

// readLineLimited reads one line ending in LF (CR LF or a bare LF),
// without it; a line longer than the reader's buffer is an error.
func readLineLimited(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, &httpError{431, fmt.Sprintf("a line of the request is longer than %d bytes", br.Size())}
	}
	if err != nil {
		return nil, err
	}
	line = line[:len(line)-1]
	line = bytes.TrimSuffix(line, []byte{'\r'})
	return line, nil
}

// framing are the headers that say where a request ends and where it
// goes: a Connection header naming one of them does not make the proxy
// drop it, or the body would reach the server as a request of its own
// (Host is replaced by the target's authority anyway).
var framing = map[string]bool{"content-length": true, "transfer-encoding": true, "host": true}

// readProxyRequest reads a request head from br (a reader of
// proxyLineMax bytes).
func readProxyRequest(br *bufio.Reader) (proxyRequest, error) {
	var req proxyRequest
	line, err := readLineLimited(br)
	if err != nil {
		return req, err
	}
	total := len(line)
	method, target, version, err := splitRequestLine(line)
	if err != nil {
		return req, err
	}
	var origin, authority string
	switch {
	case method == "CONNECT":
		req.connect = true
		if req.target, err = parseHostRequest(target, 0); err != nil {
			return req, badRequest("CONNECT %s: %v", target, err)
		}
		req.target.tunnel = true
	default:
		if authority, origin, err = splitAbsoluteURI(target); err != nil {
			return req, err
		}
		if req.target, err = parseHostRequest(authority, 80); err != nil {
			return req, badRequest("%s: %v", target, err)
		}
	}

	// The headers: checked, counted, and for a plain request kept unless
	// they are hop-by-hop (RFC 9110 section 7.6.1), which includes every
	// header the Connection header names.
	var fields []headerField
	drop := map[string]bool{"connection": true, "proxy-connection": true, "keep-alive": true,
		"proxy-authorization": true, "proxy-authenticate": true, "te": true, "upgrade": true, "host": true}
	for n := 0; ; n++ {
		line, err := readLineLimited(br)
		if err != nil {
			return req, err
		}
		if len(line) == 0 {
			break
		}
		total += len(line)
		if n >= proxyHeadLines || total > proxyHeadMax {
			return req, &httpError{431, fmt.Sprintf("the request head is over %d lines or %d bytes", proxyHeadLines, proxyHeadMax)}
		}
		if line[0] == ' ' || line[0] == '\t' {
			return req, badRequest("a folded header line (obsolete, RFC 9112 section 5.2)")
		}
		name, value, ok := bytes.Cut(line, []byte{':'})
		if !ok || len(name) == 0 || !isToken(name) {
			return req, badRequest("malformed header line %q", shorten(string(line), 64))
		}
		if bytes.ContainsFunc(value, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			return req, badRequest("a control character in header %q", name)
		}
		lname := strings.ToLower(string(name))
		if lname == "connection" || lname == "proxy-connection" {
			for _, tok := range strings.Split(string(value), ",") {
				if tok := strings.ToLower(strings.TrimSpace(tok)); !framing[tok] {
					drop[tok] = true
				}
			}
		}
		fields = append(fields, headerField{lname, string(line)})
	}
	if req.connect {
		return req, nil
	}
	if req.body, err = bodyFraming(fields); err != nil {
		return req, err
	}
	head := make([]byte, 0, total+64)
	head = fmt.Appendf(head, "%s %s %s\r\nHost: %s\r\n", method, origin, version, authority)
	for _, f := range fields {
		if !drop[f.name] {
			head = append(head, f.line...)
			head = append(head, '\r', '\n')
		}
	}
	req.head = append(head, "Connection: close\r\n\r\n"...)
	return req, nil
}

// bodyFraming is the length of a request's body from its headers (RFC
// 9112 section 6.3): chunked when Transfer-Encoding ends in chunked, else
// Content-Length, else none. What a server and the proxy could read two
// ways is refused: both headers, Content-Lengths that differ, a coding
// other than chunked last.
func bodyFraming(fields []headerField) (int64, error) {
	n, te := int64(0), ""
	cl := false
	for _, f := range fields {
		_, v, _ := strings.Cut(f.line, ":")
		v = strings.TrimSpace(v)
		switch f.name {
		case "transfer-encoding":
			if te != "" {
				te += ","
			}
			te += v
		case "content-length":
			m, err := strconv.ParseInt(v, 10, 63)
			if err != nil || v == "" || v[0] < '0' || v[0] > '9' || cl && m != n {
				return 0, badRequest("bad or conflicting Content-Length %q", shorten(v, 32))
			}
			n, cl = m, true
		}
	}
	if te == "" {
		return n, nil
	}
	codings := strings.Split(te, ",")
	if cl || !strings.EqualFold(strings.TrimSpace(codings[len(codings)-1]), "chunked") {
		return 0, badRequest("Transfer-Encoding %q with Content-Length, or not ending in chunked", shorten(te, 32))
	}
	return bodyChunked, nil
}

// copyBody sends the body of a request framed as body (bodyFraming) from
// br to w, and nothing after it: a second request on the connection is
// never read, so it cannot reach the server (or another site at its
// address) with a head the proxy did not write.
func copyBody(w io.Writer, br *bufio.Reader, body int64) error {
	if body != bodyChunked {
		_, err := io.CopyN(w, br, body)
		return err
	}
	// chunk = size [; ext] CRLF data CRLF; the last is size 0, then
	// trailer lines and an empty line (RFC 9112 section 7.1).
	for {
		line, err := readLineLimited(br)
		if err != nil {
			return err
		}
		sizeText, _, _ := strings.Cut(string(line), ";")
		size, err := strconv.ParseInt(strings.TrimSpace(sizeText), 16, 63)
		if err != nil || size < 0 {
			return badRequest("bad chunk size %q", shorten(string(line), 32))
		}
		if _, err := w.Write(append(line, '\r', '\n')); err != nil {
			return err
		}
		if size == 0 {
			break
		}
		if _, err := io.CopyN(w, br, size); err != nil {
			return err
		}
		end, err := readLineLimited(br)
		if err != nil {
			return err
		}
		if len(end) != 0 {
			return badRequest("chunk data longer than its size")
		}
		if _, err := io.WriteString(w, "\r\n"); err != nil {
			return err
		}
	}
	for n := 0; ; n++ {
		line, err := readLineLimited(br)
		if err != nil {
			return err
		}
		if n >= proxyHeadLines {
			return badRequest("over %d trailer lines", proxyHeadLines)
		}
		if _, err := w.Write(append(line, '\r', '\n')); err != nil {
			return err
		}
		if len(line) == 0 {
			return nil
		}
	}
}

// splitRequestLine splits METHOD SP TARGET SP HTTP/1.x.
func splitRequestLine(line []byte) (method, target, version string, err error) {
	parts := strings.Split(string(line), " ")
	if len(parts) != 3 {
		return "", "", "", badRequest("malformed request line %q", shorten(string(line), 64))
	}
	method, target, version = parts[0], parts[1], parts[2]
	if method == "" || !isToken([]byte(method)) {
		return "", "", "", badRequest("malformed method %q", shorten(method, 32))
	}
	if version != "HTTP/1.1" && version != "HTTP/1.0" {
		return "", "", "", badRequest("unsupported version %q", shorten(version, 32))
	}
	if target == "" || strings.ContainsFunc(target, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", "", "", badRequest("malformed request target")
	}
	return method, target, version, nil
}

// splitAbsoluteURI splits http://AUTHORITY[/PATH][?QUERY] into the
// authority and the origin form (/PATH?QUERY). Only http: an https URI
// goes to a proxy as CONNECT; a request in origin form is one for the
// proxy itself, which serves nothing.
func splitAbsoluteURI(target string) (authority, origin string, err error) {
	scheme, rest, ok := strings.Cut(target, "://")
	switch {
	case !ok:
		return "", "", badRequest("%q is not an absolute URI: this is a forward proxy (set HTTP_PROXY)", shorten(target, 64))
	case !strings.EqualFold(scheme, "http"):
		return "", "", badRequest("scheme %q: the proxy forwards http:// requests and CONNECT tunnels", shorten(scheme, 16))
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, origin = rest[:end], rest[end:]
	if strings.Contains(authority, "@") {
		return "", "", badRequest("user information in the URI's authority")
	}
	origin, _, _ = strings.Cut(origin, "#")
	switch {
	case origin == "":
		origin = "/"
	case origin[0] == '?':
		origin = "/" + origin
	}
	return authority, origin, nil
}

// isToken reports whether b is an RFC 9110 token.
func isToken(b []byte) bool {
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
