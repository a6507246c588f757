package main

// A strict JSON reader (RFC 8259) and a writer, in place of encoding/json:
// it cost this binary about 380 KB, and the binary's size is start-up time
// before every command it wraps (issue #6).
//
// The reader is stricter than encoding/json where that matters to a policy
// (see codex_policy.go): a key given twice, invalid UTF-8 and data after
// the value are errors, and nesting is bounded. Its syntax errors use
// encoding/json's words. The writer lays out what MarshalIndent(v, "", "  ")
// or Marshal would, escaping strings the same way.

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// jsonKind is the type of a JSON value.
type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// String names the kind as encoding/json's UnmarshalTypeError does.
func (k jsonKind) String() string {
	return [...]string{"null", "bool", "number", "string", "array", "object"}[k]
}

// jsonValue is one decoded value. A number keeps its literal text: which
// numbers are acceptable is the business of whoever reads the field.
type jsonValue struct {
	kind  jsonKind
	text  string      // a string's contents, a number's literal, "true" or "false"
	items []jsonValue // an array's elements, or an object's member values
	keys  []string    // an object's keys in document order; keys[i] names items[i]
}

// member is the value of an object's member key.
func (v jsonValue) member(key string) (jsonValue, bool) {
	for i, k := range v.keys {
		if k == key {
			return v.items[i], true
		}
	}
	return jsonValue{}, false
}

var errJSONEnd = errors.New("unexpected end of JSON input")

// parseJSON reads text as exactly one JSON value, surrounded by nothing but
// white space. A value nested deeper than maxDepth (the top level is 0) is
// an error. Lone UTF-16 surrogates in \u escapes become U+FFFD, as in
// encoding/json.
func parseJSON(text string, maxDepth int) (jsonValue, error) {
	return parseJSONMode(text, maxDepth, false)
}

// parseJSONLossless is parseJSON reading a lone \udc80 to \udcff as
// the byte 0x80 to 0xff, as jsonWriter.lossless writes it: for documents
// this program writes for itself (the mount plan), never for input.
func parseJSONLossless(text string, maxDepth int) (jsonValue, error) {
	return parseJSONMode(text, maxDepth, true)
}

func parseJSONMode(text string, maxDepth int, lossless bool) (jsonValue, error) {
	if !utf8.ValidString(text) {
		return jsonValue{}, errors.New("not valid UTF-8")
	}
	r := jsonReader{s: text, maxDepth: maxDepth, lossless: lossless}
	r.space()
	v, err := r.value(0)
	if err != nil {
		return jsonValue{}, err
	}
	r.space()
	if r.i < len(r.s) {
		return jsonValue{}, errors.New("trailing characters after the JSON value")
	}
	return v, nil
}

type jsonReader struct {
	s        string
	i        int // next byte of s
	maxDepth int
	lossless bool // see parseJSONLossless
}

func (r *jsonReader) space() {
	for r.i < len(r.s) && (r.s[r.i] == ' ' || r.s[r.i] == '\t' || r.s[r.i] == '\n' || r.s[r.i] == '\r') {
		r.i++
	}
}

func (r *jsonReader) next(c byte) bool {
	return r.i < len(r.s) && r.s[r.i] == c
}

func (r *jsonReader) digit() bool {
	return r.i < len(r.s) && '0' <= r.s[r.i] && r.s[r.i] <= '9'
}

// unexpected is the error for the byte at r.i, or for the end of input.
func (r *jsonReader) unexpected(context string) error {
	if r.i >= len(r.s) {
		return errJSONEnd
	}
	return fmt.Errorf("invalid character %s %s", jsonQuoteChar(r.s[r.i]), context)
}

// jsonQuoteChar quotes a byte as encoding/json's syntax errors do.
func jsonQuoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	q := strconv.Quote(string(rune(c)))
	return "'" + q[1:len(q)-1] + "'"
}

func (r *jsonReader) value(depth int) (jsonValue, error) {
	if r.i >= len(r.s) {
		return jsonValue{}, errJSONEnd
	}
	if depth > r.maxDepth {
		return jsonValue{}, errors.New("nested too deeply")
	}
	switch c := r.s[r.i]; {
	case c == '{':
		return r.object(depth)
	case c == '[':
		return r.array(depth)
	case c == '"':
		s, err := r.str()
		return jsonValue{kind: jsonString, text: s}, err
	case c == '-' || '0' <= c && c <= '9':
		return r.number()
	case c == 't':
		return r.literal("true", jsonBool)
	case c == 'f':
		return r.literal("false", jsonBool)
	case c == 'n':
		return r.literal("null", jsonNull)
	}
	return jsonValue{}, r.unexpected("looking for beginning of value")
}

func (r *jsonReader) object(depth int) (jsonValue, error) {
	v := jsonValue{kind: jsonObject}
	r.i++ // {
	r.space()
	if r.next('}') {
		r.i++
		return v, nil
	}
	seen := map[string]bool{}
	for {
		if !r.next('"') {
			return jsonValue{}, r.unexpected("looking for beginning of object key string")
		}
		k, err := r.str()
		if err != nil {
			return jsonValue{}, err
		}
		if seen[k] {
			return jsonValue{}, fmt.Errorf("duplicate field %q", k)
		}
		seen[k] = true
		r.space()
		if !r.next(':') {
			return jsonValue{}, r.unexpected("after object key")
		}
		r.i++
		r.space()
		item, err := r.value(depth + 1)
		if err != nil {
			return jsonValue{}, err
		}
		v.keys = append(v.keys, k)
		v.items = append(v.items, item)
		r.space()
		switch {
		case r.next(','):
			r.i++
			r.space()
		case r.next('}'):
			r.i++
			return v, nil
		default:
			return jsonValue{}, r.unexpected("after object key:value pair")
		}
	}
}

func (r *jsonReader) array(depth int) (jsonValue, error) {
	v := jsonValue{kind: jsonArray}
	r.i++ // [
	r.space()
	if r.next(']') {
		r.i++
		return v, nil
	}
	for {
		item, err := r.value(depth + 1)
		if err != nil {
			return jsonValue{}, err
		}
		v.items = append(v.items, item)
		r.space()
		switch {
		case r.next(','):
			r.i++
			r.space()
		case r.next(']'):
			r.i++
			return v, nil
		default:
			return jsonValue{}, r.unexpected("after array element")
		}
	}
}

// literal reads true, false or null, whose first byte has been seen.
func (r *jsonReader) literal(word string, kind jsonKind) (jsonValue, error) {
	for k := 1; k < len(word); k++ {
		r.i++
		if !r.next(word[k]) {
			return jsonValue{}, r.unexpected(fmt.Sprintf("in literal %s (expecting %s)", word, jsonQuoteChar(word[k])))
		}
	}
	r.i++
	return jsonValue{kind: kind, text: word}, nil
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (r *jsonReader) number() (jsonValue, error) {
	start := r.i
	if r.next('-') {
		r.i++
	}
	switch {
	case r.next('0'):
		r.i++
	case r.digit():
		r.digits()
	default:
		return jsonValue{}, r.unexpected("in numeric literal")
	}
	if r.next('.') {
		r.i++
		if !r.digit() {
			return jsonValue{}, r.unexpected("in numeric literal")
		}
		r.digits()
	}
	if r.next('e') || r.next('E') {
		r.i++
		if r.next('+') || r.next('-') {
			r.i++
		}
		if !r.digit() {
			return jsonValue{}, r.unexpected("in numeric literal")
		}
		r.digits()
	}
	return jsonValue{kind: jsonNumber, text: r.s[start:r.i]}, nil
}

func (r *jsonReader) digits() {
	for r.digit() {
		r.i++
	}
}

// str reads a string literal; r.s is known to be valid UTF-8.
func (r *jsonReader) str() (string, error) {
	r.i++ // "
	start := r.i
	for r.i < len(r.s) && r.s[r.i] != '"' && r.s[r.i] != '\\' && r.s[r.i] >= 0x20 {
		r.i++
	}
	if r.next('"') {
		r.i++
		return r.s[start : r.i-1], nil
	}
	b := []byte(r.s[start:r.i])
	for {
		switch {
		case r.next('"'):
			r.i++
			return string(b), nil
		case r.i >= len(r.s) || r.s[r.i] < 0x20:
			return "", r.unexpected("in string literal")
		case !r.next('\\'):
			b = append(b, r.s[r.i])
			r.i++
			continue
		}
		r.i++ // backslash
		if r.i >= len(r.s) {
			return "", errJSONEnd
		}
		c := r.s[r.i]
		r.i++
		switch c {
		case '"', '\\', '/':
			b = append(b, c)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			u, err := r.hex4()
			if err != nil {
				return "", err
			}
			if r.lossless && 0xdc80 <= u && u <= 0xdcff {
				b = append(b, byte(u))
				continue
			}
			if 0xd800 <= u && u < 0xe000 {
				u, err = r.lowSurrogate(u)
				if err != nil {
					return "", err
				}
			}
			b = utf8.AppendRune(b, u)
		default:
			r.i--
			return "", r.unexpected("in string escape code")
		}
	}
}

// lowSurrogate completes the UTF-16 surrogate pair that hi begins with the
// \u escape that follows it, if it does; otherwise hi is U+FFFD.
func (r *jsonReader) lowSurrogate(hi rune) (rune, error) {
	if hi >= 0xdc00 || r.i+1 >= len(r.s) || r.s[r.i] != '\\' || r.s[r.i+1] != 'u' {
		return utf8.RuneError, nil
	}
	save := r.i
	r.i += 2
	lo, err := r.hex4()
	if err != nil {
		return 0, err
	}
	if lo < 0xdc00 || lo >= 0xe000 {
		r.i = save // an escape of its own
		return utf8.RuneError, nil
	}
	return 0x10000 + (hi-0xd800)<<10 + (lo - 0xdc00), nil
}

func (r *jsonReader) hex4() (rune, error) {
	var u rune
	for range 4 {
		if r.i >= len(r.s) {
			return 0, errJSONEnd
		}
		c := r.s[r.i]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, r.unexpected(`in \u hexadecimal character escape`)
		}
		u = u<<4 | rune(c)
		r.i++
	}
	return u, nil
}

// jsonWriter builds a JSON document: indented as MarshalIndent(v, "", "  ")
// does, or on one line as Marshal does when compact. The caller opens and
// closes containers and writes a key before each member's value.
type jsonWriter struct {
	buf      []byte
	compact  bool
	depth    int
	empty    bool // the innermost open container has no element yet
	afterKey bool // a key was written, its value comes next
	// lossless (str only): a byte of invalid UTF-8 is written as a lone
	// low surrogate escape, \udc80 to \udcff, which parseJSONLossless
	// reads back as that byte (Python's "surrogateescape"): file names
	// are bytes, and a path that came back as U+FFFD would name another
	// file. Valid UTF-8 never holds a surrogate, so nothing else reads
	// back as a byte.
	lossless bool
}

// item starts an array element or an object member.
func (w *jsonWriter) item() {
	if w.afterKey {
		w.afterKey = false
		return
	}
	if w.depth == 0 {
		return
	}
	if !w.empty {
		w.buf = append(w.buf, ',')
	}
	w.empty = false
	w.newline()
}

func (w *jsonWriter) newline() {
	if w.compact {
		return
	}
	w.buf = append(w.buf, '\n')
	for range w.depth {
		w.buf = append(w.buf, "  "...)
	}
}

func (w *jsonWriter) open(c byte) {
	w.item()
	w.buf = append(w.buf, c)
	w.depth++
	w.empty = true
}

func (w *jsonWriter) close(c byte) {
	w.depth--
	if !w.empty {
		w.newline()
	}
	w.buf = append(w.buf, c)
	w.empty = false
}

func (w *jsonWriter) openObject()  { w.open('{') }
func (w *jsonWriter) closeObject() { w.close('}') }
func (w *jsonWriter) openArray()   { w.open('[') }
func (w *jsonWriter) closeArray()  { w.close(']') }

// key starts an object member; its value is written next, through the
// writer it returns: w.key("path").str(p).
func (w *jsonWriter) key(k string) *jsonWriter {
	w.item()
	w.buf = appendJSONString(w.buf, k)
	w.buf = append(w.buf, ':')
	if !w.compact {
		w.buf = append(w.buf, ' ')
	}
	w.afterKey = true
	return w
}

func (w *jsonWriter) null() {
	w.item()
	w.buf = append(w.buf, "null"...)
}

func (w *jsonWriter) str(s string) {
	w.item()
	if w.lossless {
		w.buf = appendJSONStringLossless(w.buf, s)
		return
	}
	w.buf = appendJSONString(w.buf, s)
}

func (w *jsonWriter) boolean(b bool) {
	w.item()
	w.buf = strconv.AppendBool(w.buf, b)
}

func (w *jsonWriter) integer(n int64) {
	w.item()
	w.buf = strconv.AppendInt(w.buf, n, 10)
}

func (w *jsonWriter) unsigned(n uint64) {
	w.item()
	w.buf = strconv.AppendUint(w.buf, n, 10)
}

// float writes f as encoding/json does; JSON has no NaN or infinity, and
// they become null where encoding/json would fail.
func (w *jsonWriter) float(f float64) {
	w.item()
	if math.IsNaN(f) || math.IsInf(f, 0) {
		w.buf = append(w.buf, "null"...)
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	w.buf = strconv.AppendFloat(w.buf, f, format, -1, 64)
	if n := len(w.buf); format == 'e' && n >= 4 && w.buf[n-4] == 'e' && w.buf[n-3] == '-' && w.buf[n-2] == '0' {
		// e-07 becomes e-7, as in encoding/json.
		w.buf[n-2] = w.buf[n-1]
		w.buf = w.buf[:n-1]
	}
}

// strings writes list as an array of strings, or null when it is nil, as
// encoding/json writes a nil slice.
func (w *jsonWriter) strings(list []string) {
	if list == nil {
		w.null()
		return
	}
	w.openArray()
	for _, s := range list {
		w.str(s)
	}
	w.closeArray()
}

// appendJSONStringLossless is appendJSONString with each byte of invalid
// UTF-8 written as \udcXX (see jsonWriter.lossless).
func appendJSONStringLossless(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || size != 1 {
			i += size
			continue
		}
		if start == 0 {
			b = append(b, '"')
		}
		// The valid run before, quoted as usual, without its quotes.
		q := appendJSONString(nil, s[start:i])
		b = append(b, q[1:len(q)-1]...)
		b = append(b, '\\', 'u', 'd', 'c', hex[s[i]>>4], hex[s[i]&0xf])
		i++
		start = i
	}
	if start == 0 {
		return appendJSONString(b, s)
	}
	q := appendJSONString(nil, s[start:])
	return append(b, q[1:]...)
}

// appendJSONString quotes s as encoding/json does: <, > and & escaped for
// HTML, U+2028 and U+2029 for JavaScript, and each byte of invalid UTF-8
// as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '<', '>', '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				if c < 0x20 {
					b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
				} else {
					b = append(b, c)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
