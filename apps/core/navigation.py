"""The navigation registry (导航): each app registers its menu items here; the navbar reads them.

Core knows no app: an app's `AppConfig.ready()` registers its menus and items, and
`menu_for(role)` returns what one role sees, in order. The template only draws it.

    navigation.register_menu("partylife", label="组织生活", icon="calendar-check", order=20)
    navigation.register(
        NavItem("各单位落实情况", "partylife:overview", roles=("committee",), menu="partylife", order=10),
    )

An item without a menu is a top-level link; a menu nobody may open is not drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Menu:
    key: str
    label: str
    icon: str = ""
    order: int = 100


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[str, ...]
    menu: str | None = None  # a Menu key; None = a top-level link
    icon: str = ""
    order: int = 100
    divider_before: bool = False  # a line above it inside its menu


@dataclass
class Entry:
    """What the navbar draws: one link (`item`), or a dropdown (`menu` with `items`)."""

    order: int
    item: NavItem | None = None
    menu: Menu | None = None
    items: list[NavItem] = field(default_factory=list)


_MENUS: dict[str, Menu] = {}
_ITEMS: dict[tuple[str, tuple[str, ...]], NavItem] = {}


def register_menu(key: str, *, label: str, icon: str = "", order: int = 100) -> Menu:
    menu = Menu(key=key, label=label, icon=icon, order=order)
    if key in _MENUS and _MENUS[key] != menu:
        raise ValueError(f"menu {key} registered twice with different settings")
    _MENUS[key] = menu
    return menu


def register(*items: NavItem) -> None:
    """Add items; registering the same item again (a re-run of ready()) changes nothing."""
    for item in items:
        if item.menu is not None and item.menu not in _MENUS:
            raise ValueError(f"nav item {item.label}: unknown menu {item.menu}")
        _ITEMS[(item.url_name, item.roles)] = item


def menu_for(role: str) -> list[Entry]:
    """The navbar of one role: top-level links and dropdown menus, in order."""
    entries: dict[str, Entry] = {}
    links: list[Entry] = []
    for item in sorted(_ITEMS.values(), key=lambda i: (i.order, i.label)):
        if role not in item.roles:
            continue
        if item.menu is None:
            links.append(Entry(order=item.order, item=item))
        else:
            menu = _MENUS[item.menu]
            entries.setdefault(menu.key, Entry(order=menu.order, menu=menu)).items.append(item)
    return sorted([*links, *entries.values()], key=lambda e: e.order)
