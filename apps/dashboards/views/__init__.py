"""The dashboards' pages: `home` (首页 per role) and the committee's 大屏."""

from .bigscreen import bigscreen, bigscreen_data
from .home import home

__all__ = ["bigscreen", "bigscreen_data", "home"]
