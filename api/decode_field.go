package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// failingValue finds the value of data that does not decode into t: its
// path (public_at, playlist[3].content_id) and its type. encoding/json
// names the field of a wrong type without array indices, and returns what
// a type's own UnmarshalJSON or UnmarshalText refused (a time, a UUID)
// without any field, so data is decoded again one part at a time; the
// path stays "" when no single part is at fault. Only failed bodies get
// here.
func failingValue(data []byte, t reflect.Type, path string) (string, reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if json.Unmarshal(data, reflect.New(t).Interface()) == nil {
		return "", nil
	}
	if p := reflect.PointerTo(t); p.Implements(jsonUnmarshaler) || p.Implements(textUnmarshaler) {
		return path, t
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		for _, m := range members(data) {
			name, mt, ok := memberOf(t, m.key)
			if !ok {
				continue
			}
			if path != "" {
				name = path + "." + name
			}
			if p, pt := failingValue(m.value, mt, name); p != "" {
				return p, pt
			}
		}
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		_ = json.Unmarshal(data, &items)
		for i, item := range items {
			if p, pt := failingValue(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p, pt
			}
		}
	}
	return path, t
}

type member struct {
	key   string
	value json.RawMessage
}

// members are an object's members in their order (the first at fault is
// the one json stopped at); none when data is not an object.
func members(data []byte) []member {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var ms []member
	for dec.More() {
		tok, err := dec.Token()
		key, ok := tok.(string)
		var value json.RawMessage
		if err != nil || !ok || dec.Decode(&value) != nil {
			break
		}
		ms = append(ms, member{key, value})
	}
	return ms
}

// memberOf is the name and type of what key holds in a t (a struct or a
// map): for a struct, the field json decodes it into, the exact name
// first, else one equal but for case.
func memberOf(t reflect.Type, key string) (string, reflect.Type, bool) {
	if t.Kind() == reflect.Map {
		return key, t.Elem(), true
	}
	var folded *reflect.StructField
	for _, f := range reflect.VisibleFields(t) {
		switch name := jsonName(f); {
		case !f.IsExported() || name == "" || f.Anonymous && f.Tag.Get("json") == "": // promoted fields stand for it
		case name == key:
			return name, f.Type, true
		case folded == nil && strings.EqualFold(name, key):
			folded = &f
		}
	}
	if folded == nil {
		return "", nil, false
	}
	return jsonName(*folded), folded.Type, true
}

// jsonName is the name of f in JSON: its tag's, else its own; "" when
// json skips it.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch name {
	case "-":
		return ""
	case "":
		return f.Name
	}
	return name
}
