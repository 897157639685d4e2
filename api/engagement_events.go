package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/engagement"
	"github.com/fanfare/fanfare/models"
)

const engagementEventsPath = "/api/engagement/events"

// engagementEventsBodyLimit fits MaxBatch events of the longest fields
// (about 250 bytes each) with room for whitespace.
const engagementEventsBodyLimit = 256 << 10

type engagementEventsRequest struct {
	Events []engagementEvent `json:"events" validate:"required,max=500,dive" maxItems:"500" description:"At most 500; the caller's own (there is no user field)"`
}

type engagementEvent struct {
	ClientID  string        `json:"client_id" validate:"required,max=64" maxLength:"64" pattern:"^[A-Za-z0-9._:-]{1,64}$" description:"Unique per user: an event sent again (a retried batch) counts once"`
	Action    models.Action `json:"action" validate:"required,oneof=progress share" enum:"progress,share"`
	At        time.Time     `json:"at" validate:"required" description:"When it happened: within the last 24 h, at most 1 minute ahead of the server"`
	ContentID *uuid.UUID    `json:"content_id,omitempty" description:"progress: the track or video; share: a content item (or party_id)"`
	PartyID   *uuid.UUID    `json:"party_id,omitempty" description:"share: a public party"`
	Seconds   int64         `json:"seconds,omitempty" validate:"min=0,max=86400" minimum:"0" maximum:"86400" description:"progress: seconds listened up to at, at most the item's duration and an hour; only what the fan's wall clock has left across all their sessions is credited"`
}

type engagementEventsView struct {
	Accepted   int            `json:"accepted" description:"Passed every check, counted (the id's first sighting, seconds credited) and queued for PostgreSQL (the engagement-flush schedule)"`
	Duplicates int            `json:"duplicates" description:"Ids seen before, in this batch or an earlier one"`
	Refused    refusedEventsV `json:"refused"`
}

type refusedEventsV struct {
	TooOld      int `json:"too_old" description:"at more than 24 h ago"`
	Future      int `json:"future" description:"at more than 1 minute ahead"`
	NotFound    int `json:"not_found" description:"No such item, or a private party"`
	Locked      int `json:"locked" description:"An item the caller may not open now"`
	Own         int `json:"own" description:"The artist's own item"`
	Implausible int `json:"implausible" description:"Seconds beyond the item's duration or an hour, progress of a post, or no time left on the fan's wall clock"`
}

// events are the body's events as the use case takes them.
func (req *engagementEventsRequest) events() []engagement.Event {
	out := make([]engagement.Event, len(req.Events))
	for i, e := range req.Events {
		out[i] = engagement.Event{ClientID: e.ClientID, Action: e.Action, At: e.At, Seconds: e.Seconds}
		if e.ContentID != nil {
			out[i].ContentID = *e.ContentID
		}
		if e.PartyID != nil {
			out[i].PartyID = *e.PartyID
		}
	}
	return out
}

func (s *Server) engagementEventRoutes(r *routes) {
	r.add(fiber.MethodPost, engagementEventsPath, op{summary: "Report play progress and shares only the client knows, in batches of up to 500; refused events are counted by reason, never an error for the batch", tag: "engagement", auth: true,
		in: engagementEventsRequest{}, out: engagementEventsView{}, errors: []int{http.StatusTooManyRequests}},
		s.authenticate, s.rateLimit("engagement", s.Config.EngagementRateLimit, userKey), s.engagementEvents)
}

func (s *Server) engagementEvents(c *fiber.Ctx) error {
	req, err := decodeJSON[engagementEventsRequest](c)
	if err != nil {
		return err
	}
	p, _ := caller(c)
	res, err := s.ingest.Ingest(c.UserContext(), p.UserID, p.Role, req.events())
	if err != nil {
		return err
	}
	f := res.Refused
	return c.JSON(engagementEventsView{Accepted: res.Accepted, Duplicates: res.Duplicates, Refused: refusedEventsV{
		TooOld: f.TooOld, Future: f.Future, NotFound: f.NotFound, Locked: f.Locked, Own: f.Own, Implausible: f.Implausible}})
}
