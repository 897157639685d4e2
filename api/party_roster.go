package api

import (
	"cmp"
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/models"
)

// partyRosterEvery is how often at most an instance signals one party's
// workflow with the arrivals and departures it saw.
const partyRosterEvery = time.Second

// partyRosters batches, per party, the users this instance saw arrive and
// leave (first socket in, last one out, whichever instance held them) and
// sends each party's batch at most once a partyRosterEvery. A failed send
// is logged: the roster is the workflow's tally, not who gets in.
type partyRosters struct {
	send func(ctx context.Context, partyID uuid.UUID, batch models.PartyRoster) error
	now  func() time.Time
	log  *slog.Logger

	mu      sync.Mutex
	pending map[uuid.UUID]map[uuid.UUID]bool // party → user → arrived (false: left)
}

func newPartyRosters(send func(context.Context, uuid.UUID, models.PartyRoster) error, now func() time.Time, log *slog.Logger) *partyRosters {
	return &partyRosters{send: send, now: now, log: log, pending: map[uuid.UUID]map[uuid.UUID]bool{}}
}

// note records an arrival or a departure. One that undoes the user's
// previous change within the batch cancels it: a user who left and came
// back (or came and went) within a second changed nothing.
func (r *partyRosters) note(partyID, userID uuid.UUID, arrived bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	batch := r.pending[partyID]
	if batch == nil {
		batch = map[uuid.UUID]bool{}
		r.pending[partyID] = batch
		time.AfterFunc(partyRosterEvery, func() { r.flush(partyID) })
	}
	if prev, ok := batch[userID]; ok && prev != arrived {
		delete(batch, userID)
		return
	}
	batch[userID] = arrived
}

// flush sends a party's batch, if anything is left in it.
func (r *partyRosters) flush(partyID uuid.UUID) {
	r.mu.Lock()
	batch := r.pending[partyID]
	delete(r.pending, partyID)
	r.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	out := models.PartyRoster{At: r.now().UTC()}
	for _, user := range slices.SortedFunc(maps.Keys(batch), func(a, b uuid.UUID) int { return cmp.Compare(a.String(), b.String()) }) {
		if batch[user] {
			out.Joined = append(out.Joined, user)
		} else {
			out.Left = append(out.Left, user)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.send(ctx, partyID, out); err != nil {
		r.log.Warn("party roster not sent", "party", partyID, "joined", len(out.Joined), "left", len(out.Left), "error", err)
	}
}
