package main

// json.go is checked against encoding/json, which the program no longer
// links but the tests may: an independent reader and writer.

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// jsonToAny is v as encoding/json decodes into any with UseNumber.
func jsonToAny(v jsonValue) any {
	switch v.kind {
	case jsonBool:
		return v.text == "true"
	case jsonNumber:
		return json.Number(v.text)
	case jsonString:
		return v.text
	case jsonArray:
		out := []any{}
		for _, item := range v.items {
			out = append(out, jsonToAny(item))
		}
		return out
	case jsonObject:
		out := map[string]any{}
		for i, k := range v.keys {
			out[k] = jsonToAny(v.items[i])
		}
		return out
	}
	return nil
}

// stdDecode is text as encoding/json decodes it, or its error.
func stdDecode(text string) (any, error) {
	if !json.Valid([]byte(text)) {
		var v any
		return nil, json.Unmarshal([]byte(text), &v)
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func TestJSONReader(t *testing.T) {
	for _, tt := range []struct {
		text string
		want any // as jsonToAny has it
		err  string
	}{
		{text: `null`, want: nil},
		{text: " \t\r\n true \n", want: true},
		{text: `false`, want: false},
		{text: `0`, want: json.Number("0")},
		{text: `-0.5e+10`, want: json.Number("-0.5e+10")},
		{text: `1E400`, want: json.Number("1E400")},
		{text: `""`, want: ""},
		{text: `"\"\\\/\b\f\n\r\t"`, want: "\"\\/\b\f\n\r\t"},
		{text: `"\u00e9\u20AC"`, want: "é€"},
		{text: `"\ud83d\ude00"`, want: "😀"},
		{text: `"\ud83d"`, want: "\ufffd"},
		{text: `"\ud83dx"`, want: "\ufffdx"},
		{text: `"\ude00\ud83d"`, want: "\ufffd\ufffd"},
		{text: `"\ud83d\u0041"`, want: "\ufffdA"},
		{text: `"\ud83d\ud83d\ude00"`, want: "\ufffd😀"},
		{text: `"\u0000"`, want: "\x00"},
		{text: `"é€😀"`, want: "é€😀"},
		{text: `[]`, want: []any{}},
		{text: `[1, "a", [null], {}]`, want: []any{json.Number("1"), "a", []any{nil}, map[string]any{}}},
		{text: `{"a": {"b": [true]}, "": 1}`, want: map[string]any{"a": map[string]any{"b": []any{true}}, "": json.Number("1")}},
		{text: strings.Repeat("[", 33) + strings.Repeat("]", 33), want: nest(32)},

		{text: ``, err: "unexpected end of JSON input"},
		{text: `  `, err: "unexpected end of JSON input"},
		{text: `{"a":`, err: "unexpected end of JSON input"},
		{text: `{"a":1`, err: "unexpected end of JSON input"},
		{text: `["a`, err: "unexpected end of JSON input"},
		{text: `"\u12`, err: "unexpected end of JSON input"},
		{text: `tru`, err: "unexpected end of JSON input"},
		{text: `-`, err: "unexpected end of JSON input"},
		{text: `x`, err: "invalid character 'x' looking for beginning of value"},
		{text: `'a'`, err: `invalid character '\'' looking for beginning of value`},
		{text: `[1,]`, err: "invalid character ']' looking for beginning of value"},
		{text: `{"a":1,}`, err: "invalid character '}' looking for beginning of object key string"},
		{text: `{a:1}`, err: "invalid character 'a' looking for beginning of object key string"},
		{text: `{"a" 1}`, err: "invalid character '1' after object key"},
		{text: `{"a":1 "b":2}`, err: `invalid character '"' after object key:value pair`},
		{text: `[1 2]`, err: "invalid character '2' after array element"},
		{text: `[01]`, err: "invalid character '1' after array element"},
		{text: `[1.]`, err: "invalid character ']' in numeric literal"},
		{text: `[1e]`, err: "invalid character ']' in numeric literal"},
		{text: `[-a]`, err: "invalid character 'a' in numeric literal"},
		{text: `[+1]`, err: "invalid character '+' looking for beginning of value"},
		{text: `[.5]`, err: "invalid character '.' looking for beginning of value"},
		{text: `[nul]`, err: "invalid character ']' in literal null (expecting 'l')"},
		{text: `[True]`, err: "invalid character 'T' looking for beginning of value"},
		{text: "\"a\tb\"", err: `invalid character '\t' in string literal`},
		{text: "\"a\nb\"", err: `invalid character '\n' in string literal`},
		{text: `"\x"`, err: "invalid character 'x' in string escape code"},
		{text: `"\u12g4"`, err: `invalid character 'g' in \u hexadecimal character escape`},
		{text: `"\ud83d\uzzzz"`, err: `invalid character 'z' in \u hexadecimal character escape`},
		{text: "\"\xff\"", err: "not valid UTF-8"},
		{text: "\"\xed\xa0\x80\"", err: "not valid UTF-8"}, // an encoded surrogate
		{text: "[1]\xc3", err: "not valid UTF-8"},
		{text: "\ufeff{}", err: "invalid character 'ï' looking for beginning of value"},
		{text: `{"a":1,"b":2,"a":3}`, err: `duplicate field "a"`},
		{text: `[{"x":{},"x":[]}]`, err: `duplicate field "x"`},
		{text: `{"\u0061":1,"a":2}`, err: `duplicate field "a"`},
		{text: `{} {}`, err: "trailing characters after the JSON value"},
		{text: `1 2`, err: "trailing characters after the JSON value"},
		{text: `"a"x`, err: "trailing characters after the JSON value"},
		{text: `nullx`, err: "trailing characters after the JSON value"},
		{text: strings.Repeat("[", 34) + strings.Repeat("]", 34), err: "nested too deeply"},
		{text: strings.Repeat(`{"a":`, 33) + "1" + strings.Repeat("}", 33), err: "nested too deeply"},
	} {
		v, err := parseJSON(tt.text, 32)
		switch {
		case tt.err != "" && (err == nil || err.Error() != tt.err):
			t.Errorf("parseJSON(%q): error %v, want %q", tt.text, err, tt.err)
		case tt.err == "" && err != nil:
			t.Errorf("parseJSON(%q): %v", tt.text, err)
		case tt.err == "" && !reflect.DeepEqual(jsonToAny(v), tt.want):
			t.Errorf("parseJSON(%q) = %#v, want %#v", tt.text, jsonToAny(v), tt.want)
		}
	}
}

// nest is depth empty arrays, one in the other.
func nest(depth int) any {
	v := []any{}
	for range depth {
		v = []any{v}
	}
	return v
}

func TestJSONReaderKeepsKeyOrder(t *testing.T) {
	v, err := parseJSON(`{"b":1,"a":2,"c":{"z":0,"y":0}}`, 32)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"b", "a", "c"}; !reflect.DeepEqual(v.keys, want) {
		t.Errorf("keys %q, want %q", v.keys, want)
	}
	if c, _ := v.member("c"); !reflect.DeepEqual(c.keys, []string{"z", "y"}) {
		t.Errorf("nested keys %q", c.keys)
	}
	if _, ok := v.member("d"); ok {
		t.Error("member d found")
	}
}

// FuzzJSONReader holds parseJSON to encoding/json: the same documents
// accepted, and the same values, except where parseJSON is meant to be
// stricter (invalid UTF-8, duplicate keys, nesting).
func FuzzJSONReader(f *testing.F) {
	for _, s := range []string{
		`null`, `{"a":[1,-2.5e-3,"x\u00e9\ud83d\ude00",true,false,null]}`, `"\ud800"`, `"\udc00\ud800"`,
		`[1,2`, `{"a":1,"a":2}`, "\"\xff\"", `01`, `1.e5`, `-`, ` [ ] `, `{"":""}`, `"\/\b\f\n\r\t\\\""`,
		`[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]`, `{"a":{"b":{"c":{}}}}`, "\"\x7f\"", `1e999`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		v, err := parseJSON(text, 16)
		want, stdErr := stdDecode(text)
		switch {
		case !utf8.ValidString(text):
			if err == nil {
				t.Fatalf("%q: invalid UTF-8 accepted", text)
			}
			return
		case err != nil && (strings.HasPrefix(err.Error(), "duplicate field ") || err.Error() == "nested too deeply"):
			return
		case (err == nil) != (stdErr == nil):
			t.Fatalf("%q: parseJSON says %v, encoding/json %v", text, err, stdErr)
		case err == nil && !reflect.DeepEqual(jsonToAny(v), want):
			t.Fatalf("%q: parseJSON reads %#v, encoding/json %#v", text, jsonToAny(v), want)
		}
		// What the writer writes of it is the same value again.
		if err == nil {
			for _, compact := range []bool{false, true} {
				w := jsonWriter{compact: compact}
				writeJSONValue(&w, v)
				again, err := parseJSON(string(w.buf), 16)
				if err != nil || !reflect.DeepEqual(jsonToAny(again), want) {
					t.Fatalf("%q written as %q: %v", text, w.buf, err)
				}
			}
		}
	})
}

// writeJSONValue writes v back, numbers as their literal.
func writeJSONValue(w *jsonWriter, v jsonValue) {
	switch v.kind {
	case jsonNull:
		w.null()
	case jsonBool:
		w.boolean(v.text == "true")
	case jsonNumber:
		w.item()
		w.buf = append(w.buf, v.text...)
	case jsonString:
		w.str(v.text)
	case jsonArray:
		w.openArray()
		for _, item := range v.items {
			writeJSONValue(w, item)
		}
		w.closeArray()
	case jsonObject:
		w.openObject()
		for i, k := range v.keys {
			writeJSONValue(w.key(k), v.items[i])
		}
		w.closeObject()
	}
}

// TestJSONWriterLayout: the writer lays a document out byte for byte as
// MarshalIndent and Marshal do.
func TestJSONWriterLayout(t *testing.T) {
	type inner struct {
		N int      `json:"n"`
		L []string `json:"l"`
	}
	doc := struct {
		S     string   `json:"s<&>"`
		B     bool     `json:"b"`
		F     float64  `json:"f"`
		U     uint64   `json:"u"`
		Nil   []string `json:"nil"`
		Empty []string `json:"empty"`
		List  []string `json:"list"`
		Obj   *inner   `json:"obj"`
		None  *inner   `json:"none"`
		Objs  []inner  `json:"objs"`
	}{"a\u2029\x00", true, 1e-7, math.MaxUint64, nil, []string{}, []string{"x", "y"}, &inner{-3, []string{}}, nil, []inner{{1, nil}, {2, []string{"z"}}}}

	write := func(w *jsonWriter) {
		w.openObject()
		w.key("s<&>").str(doc.S)
		w.key("b").boolean(doc.B)
		w.key("f").float(doc.F)
		w.key("u").unsigned(doc.U)
		w.key("nil").strings(doc.Nil)
		w.key("empty").strings(doc.Empty)
		w.key("list").strings(doc.List)
		w.key("obj").openObject()
		w.key("n").integer(int64(doc.Obj.N))
		w.key("l").strings(doc.Obj.L)
		w.closeObject()
		w.key("none").null()
		w.key("objs").openArray()
		for _, o := range doc.Objs {
			w.openObject()
			w.key("n").integer(int64(o.N))
			w.key("l").strings(o.L)
			w.closeObject()
		}
		w.closeArray()
		w.closeObject()
	}
	indented, _ := json.MarshalIndent(doc, "", "  ")
	compact, _ := json.Marshal(doc)
	for _, tt := range []struct {
		compact bool
		want    []byte
	}{{false, indented}, {true, compact}} {
		w := jsonWriter{compact: tt.compact}
		write(&w)
		if !bytes.Equal(w.buf, tt.want) {
			t.Errorf("compact=%v:\n%s\nwant:\n%s", tt.compact, w.buf, tt.want)
		}
	}

	for _, tt := range []struct {
		write func(*jsonWriter)
		want  string
	}{
		{func(w *jsonWriter) { w.openObject(); w.closeObject() }, `{}`},
		{func(w *jsonWriter) { w.openArray(); w.closeArray() }, `[]`},
		{func(w *jsonWriter) { w.str("") }, `""`},
		{func(w *jsonWriter) { w.openArray(); w.openArray(); w.closeArray(); w.closeArray() }, "[\n  []\n]"},
		{func(w *jsonWriter) { w.float(math.NaN()) }, `null`},
	} {
		w := jsonWriter{}
		tt.write(&w)
		if string(w.buf) != tt.want {
			t.Errorf("wrote %q, want %q", w.buf, tt.want)
		}
	}
}

// FuzzJSONWriter: strings and numbers come out as encoding/json writes
// them, and read back as the same values.
func FuzzJSONWriter(f *testing.F) {
	f.Add("plain", 0.0, int64(0))
	f.Add("<a href=\"x\">&amp;</a>\u2028\u2029\x00\x1f\x7f\b\f", 1e21, int64(-1))
	f.Add("bad \xff\xc3 \xed\xa0\x80 UTF-8", 1e-7, int64(math.MinInt64))
	f.Add("é€😀\t\\", -123.456e-300, int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, s string, x float64, n int64) {
		if want, _ := json.Marshal(s); !bytes.Equal(appendJSONString(nil, s), want) {
			t.Fatalf("%q written as %s, encoding/json writes %s", s, appendJSONString(nil, s), want)
		}
		w := jsonWriter{}
		w.float(x)
		if want, err := json.Marshal(x); err == nil && !bytes.Equal(w.buf, want) {
			t.Fatalf("%v written as %s, encoding/json writes %s", x, w.buf, want)
		}

		w = jsonWriter{}
		w.openObject()
		w.key(s).str(s)
		w.key("n").integer(n)
		w.key("l").strings([]string{s, s})
		w.closeObject()
		var got map[string]any
		dec := json.NewDecoder(bytes.NewReader(w.buf))
		dec.UseNumber()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("%q: encoding/json cannot read %s: %v", s, w.buf, err)
		}
		valid := string([]rune(s)) // one U+FFFD per bad byte, as encoding/json writes
		want := map[string]any{valid: valid, "n": json.Number(strconv.FormatInt(n, 10)), "l": []any{valid, valid}}
		if valid == "n" || valid == "l" {
			return // the key collides
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("wrote %s, read back %#v, want %#v", w.buf, got, want)
		}
		if v, err := parseJSON(string(w.buf), 2); err != nil || !reflect.DeepEqual(jsonToAny(v), want) {
			t.Fatalf("parseJSON cannot read %s back: %v", w.buf, err)
		}
	})
}
