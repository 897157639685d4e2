#!/bin/sh
# Registers the custom search attributes Fanfare's workflows set and query.
# Safe to re-run: an attribute that already exists with the same type counts
# as success; one that exists with another type is an error.
set -eu

ADDR="${TEMPORAL_ADDRESS:-localhost:7233}"
NS="${TEMPORAL_NAMESPACE:-default}"

# The frontend reports healthy before auto-setup has created the namespace.
tries=0
until temporal operator namespace describe --address "$ADDR" --namespace "$NS" >/dev/null 2>&1; do
	tries=$((tries + 1))
	if [ "$tries" -ge 60 ]; then
		echo "namespace $NS not reachable at $ADDR" >&2
		exit 1
	fi
	sleep 2
done

register() {
	if out=$(temporal operator search-attribute create --address "$ADDR" --namespace "$NS" --name "$1" --type "$2" 2>&1); then
		echo "registered $1 ($2)"
		return 0
	fi
	case $out in
	*"different type"*) ;;
	*"already exists"*)
		echo "$1 already registered"
		return 0
		;;
	esac
	echo "$1: $out" >&2
	return 1
}

status=0
register ArtistId Keyword || status=1
register FanId Keyword || status=1
register Tier Keyword || status=1
register SubscriptionStatus Keyword || status=1
register PartyStatus Keyword || status=1
register ReleasePhase Keyword || status=1
register NextRenewalAt Datetime || status=1
exit "$status"
