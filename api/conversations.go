package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Conversations: the list, opening one, and one member's management of it.

type openConversationRequest struct {
	UserID string `json:"user_id" validate:"required,uuid" description:"The artist (for a fan) or the member (for an artist)"`
}

type updateConversationRequest struct {
	Pinned   *bool   `json:"pinned,omitempty"`
	Archived *bool   `json:"archived,omitempty"`
	Muted    *bool   `json:"muted,omitempty"`
	Blocked  *bool   `json:"blocked,omitempty"`
	ReadUpTo *string `json:"read_up_to,omitempty" validate:"omitempty,uuid" description:"Mark read up to this message"`
}

type personView struct {
	ID          string      `json:"id"`
	DisplayName string      `json:"display_name"`
	Role        models.Role `json:"role"`
}

type conversationView struct {
	ID             string       `json:"id"`
	ArtistID       string       `json:"artist_id"`
	FanID          string       `json:"fan_id"`
	Other          personView   `json:"other"`
	Pinned         bool         `json:"pinned"`
	Archived       bool         `json:"archived"`
	Muted          bool         `json:"muted"`
	Blocked        bool         `json:"blocked" description:"I blocked the other member"`
	BlockedByOther bool         `json:"blocked_by_other"`
	UnreadCount    int          `json:"unread_count"`
	LastMessage    *messageView `json:"last_message"`
	LastMessageAt  time.Time    `json:"last_message_at"`
}

type conversationList struct {
	Items      []conversationView `json:"items"`
	NextCursor string             `json:"next_cursor"`
}

type conversationQuery struct {
	Archived looseFlag `query:"archived" description:"true: only archived conversations"`
	Unread   looseFlag `query:"unread" description:"true: only those with unread messages"`
	pageQuery
}

// looseFlag reads a flag as the conversation list always has: what
// strconv.ParseBool takes for true is true, anything else false.
type looseFlag bool

func (f *looseFlag) UnmarshalText(b []byte) error {
	v, _ := strconv.ParseBool(string(b))
	*f = looseFlag(v)
	return nil
}

func (s *Server) conversations(c *fiber.Ctx) error {
	p, _ := caller(c)
	q, err := decodeQuery[conversationQuery](c)
	if err != nil {
		return err
	}
	f := store.ConversationFilter{Archived: bool(q.Archived), Unread: bool(q.Unread), After: q.Cursor, Limit: q.Limit}
	rows, next, err := s.Store.Conversations(c.UserContext(), p.UserID, f)
	if err != nil {
		return err
	}
	out := conversationList{Items: make([]conversationView, len(rows)), NextCursor: next}
	for i := range rows {
		if out.Items[i], err = s.viewConversation(c.UserContext(), p.UserID, &rows[i]); err != nil {
			return err
		}
	}
	return c.JSON(out)
}

func (s *Server) viewConversation(ctx context.Context, viewer uuid.UUID, r *store.ConversationRow) (conversationView, error) {
	v := conversationView{
		ID: r.ID.String(), ArtistID: r.ArtistID.String(), FanID: r.FanID.String(),
		Other:  personView{ID: r.Other.ID.String(), DisplayName: r.Other.DisplayName, Role: r.Other.Role},
		Pinned: r.Member.Pinned, Archived: r.Member.Archived, Muted: r.Member.Muted, Blocked: r.Member.Blocked,
		BlockedByOther: r.Blocked, UnreadCount: r.Unread, LastMessageAt: r.Member.LastMessageAt.UTC(),
	}
	if r.Last != nil {
		views, err := s.viewMessages(ctx, viewer, []models.Message{*r.Last})
		if err != nil {
			return v, err
		}
		v.LastMessage = &views[0]
	}
	return v, nil
}

func (s *Server) openConversation(c *fiber.Ctx) error {
	req, err := decodeJSON[openConversationRequest](c)
	if err != nil {
		return err
	}
	p, _ := caller(c)
	ctx := c.UserContext()
	other, err := s.Store.UserByID(ctx, uuid.MustParse(req.UserID))
	if err != nil {
		return err
	}
	var artist, fan uuid.UUID
	switch {
	case p.Role == models.RoleArtist && other.Role != models.RoleArtist:
		artist, fan = p.UserID, other.ID
		if tier, err := s.Store.TierOf(ctx, artist, fan); err != nil {
			return err
		} else if !tier.Paid() {
			return models.Errorf(models.CodeForbidden, "artists write only to members of their club")
		}
	case p.Role != models.RoleArtist && other.Role == models.RoleArtist:
		artist, fan = other.ID, p.UserID
		tier, err := s.Store.TierOf(ctx, artist, fan)
		if err != nil {
			return err
		}
		if !models.CanAccess(models.Viewer{UserID: fan, Role: p.Role, Tier: tier}, models.Resource{Kind: models.ResourceDM, ArtistID: artist}, s.Auth.Now()) {
			return models.Errorf(models.CodeForbidden, "direct messages to the artist are a superfan perk")
		}
	default:
		return models.Errorf(models.CodeForbidden, "conversations are between an artist and a fan")
	}
	conv, created, err := s.Store.OpenConversation(ctx, artist, fan, p.UserID, s.Auth.Now())
	if err != nil {
		return err
	}
	row, err := s.Store.ConversationRow(ctx, conv.ID, p.UserID)
	if err != nil {
		return err
	}
	v, err := s.viewConversation(ctx, p.UserID, row)
	if err != nil {
		return err
	}
	if created {
		c.Status(http.StatusCreated)
	}
	return c.JSON(v)
}

func (s *Server) updateConversation(c *fiber.Ctx) error {
	id, req, err := idAndBody[updateConversationRequest](c)
	if err != nil {
		return err
	}
	p, _ := caller(c)
	ctx := c.UserContext()
	if _, _, err := s.Store.ConversationFor(ctx, id, p.UserID); err != nil {
		return err
	}
	// The read marker first: it is the part that can be refused (a message
	// of another conversation), and nothing is written before it is checked.
	now := s.Auth.Now()
	if req.ReadUpTo != nil {
		upTo := uuid.MustParse(*req.ReadUpTo)
		if err := s.Store.MarkRead(ctx, id, p.UserID, upTo, now); err != nil {
			return err
		}
		s.dm.Publish(ctx, id, eventMessageRead.Of(messageRead{ConversationID: id.String(), UserID: p.UserID.String(), MessageID: upTo.String()}))
	}
	cols := map[string]any{}
	for col, v := range map[string]*bool{"pinned": req.Pinned, "archived": req.Archived, "muted": req.Muted, "blocked": req.Blocked} {
		if v != nil {
			cols[col] = *v
		}
	}
	if len(cols) > 0 {
		cols["updated_at"] = now
		if _, err := s.Store.UpdateMember(ctx, id, p.UserID, cols); err != nil {
			return err
		}
	}
	row, err := s.Store.ConversationRow(ctx, id, p.UserID)
	if err != nil {
		return err
	}
	if req.Blocked != nil && *req.Blocked { // both members' sockets leave the room, on every instance
		if err := s.Hub.Recheck(ctx, realtime.ConversationRoom(id.String()), "", realtime.ReasonBlocked); err != nil {
			s.Log.WarnContext(ctx, "sockets not taken out of a blocked conversation", "error", err)
		}
		s.recheckArtistParties(ctx, p.UserID, row.Other.ID, realtime.ReasonBlocked) // an artist's block shuts the fan out of their parties
	}
	v, err := s.viewConversation(ctx, p.UserID, row)
	if err != nil {
		return err
	}
	return c.JSON(v)
}
