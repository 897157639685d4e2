package api

import (
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/swaggest/openapi-go"
	"github.com/swaggest/openapi-go/openapi3"
	"github.com/swaggest/swgui/v5emb"
)

// op describes one route for the router and for the OpenAPI document, so
// the two cannot drift apart.
type op struct {
	summary string
	tag     string
	auth    bool // needs a bearer token
	in      any  // request body, nil for none
	query   any  // query parameters (what decodeQuery reads), nil for none
	out     any  // success body, nil for 204
	status  int  // success status, 200 when 0
	errors  []int
	owner   *owner // set when the path names a resource only its owner may use
}

// owner tells the document (as x-owner) who else a route refuses and how,
// so the access test can try every caller who does not own the resource.
type owner struct {
	Refused int  `json:"refused"` // 403, or 404 where the id must not leak
	Admin   bool `json:"admin"`   // an admin passes as the owner does
}

var (
	// artistOwned: the artist the path names; owns() lets an admin pass.
	artistOwned = &owner{Refused: http.StatusForbidden, Admin: true}
	// membersOnly: a conversation's (or a notification's) own users; to
	// anyone else it does not exist.
	membersOnly = &owner{Refused: http.StatusNotFound}
	// privateToArtist: the artist the path names and admins; to anyone
	// else it does not exist (an artist's analytics: not even that there
	// are figures).
	privateToArtist = &owner{Refused: http.StatusNotFound, Admin: true}
)

// routes registers Fiber handlers and documents them as it goes.
type routes struct {
	app       *fiber.App
	reflector *openapi3.Reflector
}

func newRoutes(app *fiber.App) *routes {
	r := openapi3.NewReflector()
	r.Spec = &openapi3.Spec{Openapi: "3.0.3"}
	r.Spec.Info.WithTitle("Fanfare API").WithVersion("1").
		WithDescription("Fan clubs, direct messages, listening parties and notifications for music artists.")
	r.SpecEns().SetHTTPBearerTokenSecurity("bearer", "JWT", "Access token from /api/auth/login")
	return &routes{app: app, reflector: r}
}

var pathParam = regexp.MustCompile(`:(\w+)`)

// add registers handlers (middleware first) for method and Fiber path.
func (r *routes) add(method, path string, o op, handlers ...fiber.Handler) {
	r.app.Add(method, path, handlers...)
	oc, err := r.reflector.NewOperationContext(method, pathParam.ReplaceAllString(path, "{$1}"))
	if err != nil {
		panic(err) // a programming error, caught by the route test
	}
	oc.SetSummary(o.summary)
	oc.SetTags(o.tag)
	if o.auth {
		oc.AddSecurity("bearer")
	}
	if params := pathParam.FindAllStringSubmatch(path, -1); len(params) > 0 {
		oc.AddReqStructure(pathStruct(params))
	}
	if o.in != nil {
		oc.AddReqStructure(o.in)
	}
	if o.query != nil {
		oc.AddReqStructure(o.query)
	}
	status := o.status
	if status == 0 {
		status = http.StatusOK
	}
	oc.AddRespStructure(o.out, openapi.WithHTTPStatus(status))
	errs := o.errors
	if o.in != nil {
		errs = append(errs, http.StatusBadRequest, http.StatusRequestEntityTooLarge)
	}
	if o.query != nil && !slices.Contains(errs, http.StatusBadRequest) {
		errs = append(errs, http.StatusBadRequest)
	}
	if o.auth {
		errs = append(errs, http.StatusUnauthorized)
	}
	for _, s := range errs {
		if o.owner == nil || s != o.owner.Refused {
			oc.AddRespStructure(errorBody{}, openapi.WithHTTPStatus(s))
		}
	}
	if o.owner != nil {
		oc.AddRespStructure(errorBody{}, openapi.WithHTTPStatus(o.owner.Refused), o.owner.describe)
		oc.(openapi3.OperationExposer).Operation().WithMapOfAnythingItem("x-owner", o.owner)
	}
	if err := r.reflector.AddOperation(oc); err != nil {
		panic(fmt.Sprintf("document %s %s: %v", method, path, err))
	}
}

func (o *owner) describe(cu *openapi.ContentUnit) {
	who := "its owner"
	if o.Admin {
		who += " (or an admin)"
	}
	cu.Description = http.StatusText(o.Refused) + ", or not the caller's: only " + who + " may use what the path names"
}

// pathStruct builds, at start-up, a struct with one `path` field per
// parameter so the document lists the parameters without a type per route.
func pathStruct(params [][]string) any {
	fields := make([]reflect.StructField, len(params))
	for i, p := range params {
		fields[i] = reflect.StructField{
			Name: strings.ToUpper(p[1][:1]) + p[1][1:],
			Type: reflect.TypeFor[string](),
			Tag:  reflect.StructTag(fmt.Sprintf(`path:"%s" required:"true"`, p[1])),
		}
	}
	return reflect.New(reflect.StructOf(fields)).Interface()
}

// serveDocs serves the OpenAPI document and a Swagger UI page that works
// offline (its assets are embedded).
func (r *routes) serveDocs() error {
	doc, err := r.reflector.Spec.MarshalJSON()
	if err != nil {
		return err
	}
	r.app.Get("/openapi.json", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(doc)
	})
	ui := adaptor.HTTPHandler(v5emb.New("Fanfare API", "/openapi.json", "/docs"))
	r.app.Get("/docs", ui)
	r.app.Get("/docs/*", ui)
	return nil
}
