package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/models"
)

var (
	validate    = newValidator()
	slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	_ = v.RegisterValidation("slug", func(fl validator.FieldLevel) bool {
		return slugPattern.MatchString(fl.Field().String())
	})
	_ = v.RegisterValidation("id", func(fl validator.FieldLevel) bool { // what uuid.Parse takes
		_, err := uuid.Parse(fl.Field().String())
		return err == nil
	})
	_ = v.RegisterValidation("category", func(fl validator.FieldLevel) bool {
		_, ok := models.Categories[fl.Field().String()]
		return ok
	})
	v.RegisterTagNameFunc(jsonName)
	return v
}

// decodeJSON reads a JSON body strictly into a T and validates it: unknown
// fields, wrong types, trailing data and failed rules are invalid-input
// errors that name the field.
func decodeJSON[T any](c *fiber.Ctx) (*T, error) {
	if !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		return nil, models.Errorf(models.CodeInvalid, "Content-Type must be application/json")
	}
	return decodeBytes[T](c.Request().Body()) // raw: never inflated (see refuseEncodedBodies)
}

// decodeBytes is decodeJSON without the request; the fuzz tests drive it.
func decodeBytes[T any](body []byte) (*T, error) {
	v := new(T)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, jsonError(err, body, reflect.TypeFor[T]())
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, models.Errorf(models.CodeInvalid, "unexpected data after the JSON body")
	}
	if err := validate.Struct(v); err != nil {
		return nil, validationError(err)
	}
	return v, nil
}

// jsonError is the invalid-input error of a body that did not decode into
// a t, naming the field at fault when there is one.
func jsonError(err error, body []byte, t reflect.Type) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.Is(err, io.EOF):
		return models.Errorf(models.CodeInvalid, "request body is empty")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return models.Errorf(models.CodeInvalid, "malformed JSON")
	case errors.As(err, &typ) && typ.Field == "":
		return models.Errorf(models.CodeInvalid, "body must be a JSON object")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return models.FieldError(field, "unknown field")
	}
	// A wrong type, or a value its type's own UnmarshalJSON refused.
	path, ft := failingValue(body, t, "")
	if path == "" && typ != nil { // the walk and json disagree: json's path then
		path, ft = typ.Field, typ.Type
	}
	if path == "" {
		return models.Errorf(models.CodeInvalid, "malformed JSON")
	}
	return models.FieldError(path, "%s must be %s", path, jsonKind(ft))
}

var (
	timeType = reflect.TypeFor[time.Time]()
	uuidType = reflect.TypeFor[uuid.UUID]()
)

// jsonKind says what JSON a value of t must be.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case timeType:
		return "an RFC 3339 time such as 2027-01-01T00:00:00Z"
	case uuidType:
		return "a UUID"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

func validationError(err error) error {
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) || len(verrs) == 0 {
		return models.Errorf(models.CodeInvalid, "invalid request")
	}
	fe := verrs[0]
	field := fe.Field()
	return models.FieldError(field, "%s %s", field, ruleMessage(fe))
}

// firstFieldError is the first rule a validate.Var call found broken.
func firstFieldError(err error) validator.FieldError {
	var verrs validator.ValidationErrors
	if errors.As(err, &verrs) && len(verrs) > 0 {
		return verrs[0]
	}
	return nil
}

// ruleMessage says what a broken rule asks for, after the field's name.
func ruleMessage(fe validator.FieldError) string {
	if fe == nil {
		return "is invalid"
	}
	switch fe.Tag() {
	case "required":
		return "is required"
	case "email":
		return "must be a valid email address"
	case "min":
		return fmt.Sprintf("must be at least %s", limitUnit(fe))
	case "max":
		return fmt.Sprintf("must be at most %s", limitUnit(fe))
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "timezone":
		return "must be an IANA time zone such as Europe/Paris"
	case "iso3166_1_alpha2":
		return "must be a two-letter ISO 3166 country code"
	case "url", "http_url":
		return "must be an http(s) URL"
	case "slug":
		return "may only hold lowercase letters, digits and dashes"
	}
	return "is invalid"
}

func limitUnit(fe validator.FieldError) string {
	if fe.Kind() == reflect.String {
		return fe.Param() + " characters"
	}
	return fe.Param()
}
