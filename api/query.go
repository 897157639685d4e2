package api

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/fanfare/fanfare/models"
)

// decodeQuery reads a request's query parameters into a T, as decodeJSON
// reads bodies. Each field tagged `query:"name"` takes that parameter, or
// its `default:"…"` when the parameter is absent or empty; strings are
// taken as sent, ints parsed, bools are "true" or "false", and types with
// UnmarshalText (uuid.UUID, pointers to it) parse themselves. Then the
// field's `validate` rules run. Fields are read in order and the first bad
// one is an invalid-input error naming the parameter, with the field's
// `invalid:"…"` message (a %q in it shows the value sent). Give the same T
// as op{query} so /openapi.json lists the parameters: `description`,
// `default`, `minimum`, `maximum` and `enum` tags document them.
func decodeQuery[T any](c *fiber.Ctx) (*T, error) {
	return queryValues[T](c.Query)
}

// queryValues is decodeQuery over any source of parameters; the fuzz
// tests drive it.
func queryValues[T any](get func(name string, def ...string) string) (*T, error) {
	v := new(T)
	rv := reflect.ValueOf(v).Elem()
	for _, f := range queryFieldsOf(rv.Type()) {
		raw := get(f.name)
		if raw == "" {
			raw = f.def
		}
		field := rv.FieldByIndex(f.index)
		if err := setQueryField(field, raw); err != nil {
			return nil, f.refuse(raw, "%s must be %s", f.name, jsonKind(field.Type()))
		}
		if f.rules == "" {
			continue
		}
		if err := validate.Var(field.Interface(), f.rules); err != nil {
			return nil, f.refuse(raw, "%s %s", f.name, ruleMessage(firstFieldError(err)))
		}
	}
	return v, nil
}

// pageQuery is ?cursor=&limit= of a list (a page of 20 unless asked).
type pageQuery struct {
	Limit  int    `query:"limit" default:"20" validate:"min=1,max=100" invalid:"limit must be between 1 and 100" minimum:"1" maximum:"100"`
	Cursor string `query:"cursor" description:"next_cursor of the page before"`
}

type queryField struct {
	index   []int
	name    string
	def     string
	rules   string
	invalid string
}

// refuse is the field's invalid message, or format and args without one.
func (f queryField) refuse(raw, format string, args ...any) error {
	switch {
	case strings.Contains(f.invalid, "%"):
		return models.FieldError(f.name, f.invalid, raw)
	case f.invalid != "":
		return models.FieldError(f.name, "%s", f.invalid)
	}
	return models.FieldError(f.name, format, args...)
}

var queryFields sync.Map // reflect.Type → []queryField

func queryFieldsOf(t reflect.Type) []queryField {
	if fs, ok := queryFields.Load(t); ok {
		return fs.([]queryField)
	}
	var fs []queryField
	for _, sf := range reflect.VisibleFields(t) {
		name := sf.Tag.Get("query")
		if name == "" || !sf.IsExported() {
			continue
		}
		fs = append(fs, queryField{index: sf.Index, name: name, def: sf.Tag.Get("default"),
			rules: sf.Tag.Get("validate"), invalid: sf.Tag.Get("invalid")})
	}
	queryFields.Store(t, fs)
	return fs
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// setQueryField parses raw into field; "" leaves the zero value.
func setQueryField(field reflect.Value, raw string) error {
	if raw == "" {
		return nil
	}
	if field.Kind() == reflect.Pointer {
		field.Set(reflect.New(field.Type().Elem()))
		field = field.Elem()
	}
	if field.Addr().Type().Implements(textUnmarshaler) {
		return field.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(raw))
	}
	switch field.Kind() {
	case reflect.String:
		field.SetString(raw)
	case reflect.Int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return err
		}
		field.SetInt(int64(n))
	case reflect.Bool:
		if raw != "true" && raw != "false" {
			return fmt.Errorf("not a bool: %q", raw)
		}
		field.SetBool(raw == "true")
	default:
		panic(fmt.Sprintf("decodeQuery: unsupported field type %s", field.Type())) // a programming error
	}
	return nil
}
