"""Consumers of other services' events: the staff directory (branch of a manager,
who may be assigned customers)."""
from chassis import directory
from contracts import staff

HANDLERS = {
    staff.USER_CHANGED.name: directory.apply,
}
