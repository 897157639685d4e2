package api

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

// The artist's studio, studio:{artistID}: the artist's own live view of
// their fans, one engagement:tick a TickInterval at most across every api
// instance. Acts add to the artist's live counts (internal/counters, in
// Redis when instances share it); an instance with a studio socket claims
// the tick (Hub.Claim), takes what every instance added and publishes it
// to the room on all of them.
const eventEngagementTick realtime.EventType[engagementTick] = "engagement:tick"

// TickInterval is the studio's tick.
const TickInterval = time.Second

// Live counts an act adds to its artist's next tick.
const (
	livePlays        = "plays"
	liveReactions    = "reactions"
	liveNewFollowers = "new_followers"
	liveNewMembers   = "new_members"
)

type engagementTick struct {
	ArtistID     string `json:"artist_id"`
	ListenersNow int    `json:"listeners_now"` // in the artist's party rooms
	Plays        int64  `json:"plays"`
	Reactions    int64  `json:"reactions"`
	NewFollowers int64  `json:"new_followers"`
	NewMembers   int64  `json:"new_members"`
	IntervalMs   int64  `json:"interval_ms"`
	At           string `json:"at"`
}

func (s *Server) engagementRealtime(h *realtime.Hub) {
	h.RoomKind("studio", realtime.Kind{Access: func(_ context.Context, userID string, _ models.Role, id string) error {
		if userID != id { // the artist's own: not even an admin watches over their shoulder
			return models.Errorf(models.CodeForbidden, "the studio is the artist's own")
		}
		return nil
	}})
	go s.tickStudios()
}

// tickStudios ticks, every TickInterval until the server shuts down, the
// studios this instance has sockets in.
func (s *Server) tickStudios() {
	t := time.NewTicker(TickInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		for _, artist := range s.Hub.LocalRooms("studio") {
			ctx, cancel := context.WithTimeout(context.Background(), TickInterval)
			if err := s.tickStudio(ctx, artist); err != nil {
				s.Log.WarnContext(ctx, "engagement tick not sent", "artist", artist, "error", err)
			}
			cancel()
		}
	}
}

// tickStudio ticks one artist when this instance wins the interval's
// claim.
func (s *Server) tickStudio(ctx context.Context, artist string) error {
	room := "studio:" + artist
	if ok, err := s.Hub.Claim(ctx, room, TickInterval); !ok || err != nil {
		return err
	}
	counts, err := s.Counters.Take(ctx, artist)
	if err != nil {
		return err
	}
	listeners, err := s.listenersNow(ctx, uuid.MustParse(artist)) // a room id Access let in
	if err != nil {
		return err
	}
	return s.Hub.Ephemeral(ctx, room, eventEngagementTick.Of(engagementTick{
		ArtistID: artist, ListenersNow: listeners, Plays: counts[livePlays], Reactions: counts[liveReactions],
		NewFollowers: counts[liveNewFollowers], NewMembers: counts[liveNewMembers],
		IntervalMs: TickInterval.Milliseconds(), At: s.Auth.Now().Format(time.RFC3339Nano),
	}))
}

// listenersNow counts the users in the artist's party rooms, across
// instances.
func (s *Server) listenersNow(ctx context.Context, artistID uuid.UUID) (int, error) {
	parties, err := s.Store.OpenParties(ctx, artistID)
	if err != nil {
		return 0, err
	}
	var n int
	for _, p := range parties {
		c, err := s.partyListenerCount(ctx, p)
		if err != nil {
			return 0, err
		}
		n += c
	}
	return n, nil
}

// countLive adds an act to its artist's next tick. A count lost to a
// Redis hiccup costs a live figure, never the act: it is logged only.
func (s *Server) countLive(ctx context.Context, artistID uuid.UUID, what string, n int64) {
	if err := s.Counters.Add(ctx, artistID.String(), map[string]int64{what: n}); err != nil {
		s.Log.WarnContext(ctx, "live count not added", "artist", artistID, "count", what, "error", err)
	}
}
