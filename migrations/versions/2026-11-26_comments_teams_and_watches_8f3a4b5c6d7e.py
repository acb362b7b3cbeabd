"""Collaboration: comments, their history, mentions and attachments, teams and watches.

Revision ID: 8f3a4b5c6d7e
Revises: 7e2f3a4b5c6d
Create Date: 2026-11-26 01:35:00+00:00

Written from ``app/db/models/comment.py`` and ``app/db/models/team.py`` and checked with ``br-server db check``.
Every table is new, so upgrading needs no data step. Comments and watches go with their project, versions, mentions
and attachments with their comment, team members with their team and teams with their organization (CASCADE);
an account that goes leaves its comments, edits and attachments in place with no author (SET NULL), and its
mentions, watches and team memberships go with it. Downgrading drops every table, and the comments with them.
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

# revision identifiers, used by Alembic.
revision = "8f3a4b5c6d7e"
down_revision = "7e2f3a4b5c6d"
branch_labels = None
depends_on = None


def _audit_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def _user_fk(table: str, column: str, ondelete: str = "SET NULL") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["user_account.id"], name=op.f(f"fk_{table}_{column}_user_account"),
                                   ondelete=ondelete)


def _comments() -> None:
    op.create_table(
        "comment",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("project_id", GUID(length=16), nullable=False),
        sa.Column("entity_type", sa.String(length=10), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("parent_id", GUID(length=16), nullable=True),
        sa.Column("author_id", GUID(length=16), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("edited_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("edited_by_id", GUID(length=16), nullable=True),
        sa.Column("edit_count", sa.Integer(), nullable=False),
        sa.Column("deleted_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("deleted_by_id", GUID(length=16), nullable=True),
        sa.Column("resolved_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("resolved_by_id", GUID(length=16), nullable=True),
        sa.Column("promoted_to", sa.String(length=200), nullable=True),
        sa.Column("promoted_revision", sa.Integer(), nullable=True),
        *_audit_columns(),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_comment_project_id_project"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["parent_id"], ["comment.id"], name=op.f("fk_comment_parent_id_comment"),
                                ondelete="CASCADE"),
        _user_fk("comment", "author_id"),
        _user_fk("comment", "edited_by_id"),
        _user_fk("comment", "deleted_by_id"),
        _user_fk("comment", "resolved_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index("ix_comment_project_entity", ["project_id", "entity_type", "entity_id", "created_at"],
                              unique=False)
        batch_op.create_index("ix_comment_parent", ["parent_id"], unique=False)

    op.create_table(
        "comment_version",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("comment_id", GUID(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("editor_id", GUID(length=16), nullable=True),
        sa.Column("written_at", DateTimeUTC(timezone=True), nullable=False),
        *_audit_columns(),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], name=op.f("fk_comment_version_comment_id_comment"),
                                ondelete="CASCADE"),
        _user_fk("comment_version", "editor_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_version")),
    )
    with op.batch_alter_table("comment_version", schema=None) as batch_op:
        batch_op.create_index("ix_comment_version_comment", ["comment_id", "written_at"], unique=False)

    op.create_table(
        "comment_mention",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("comment_id", GUID(length=16), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        sa.Column("via", sa.String(length=80), nullable=False),
        *_audit_columns(),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], name=op.f("fk_comment_mention_comment_id_comment"),
                                ondelete="CASCADE"),
        _user_fk("comment_mention", "user_id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_mention")),
        sa.UniqueConstraint("comment_id", "user_id", name=op.f("uq_comment_mention_comment_id")),
    )
    with op.batch_alter_table("comment_mention", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_mention_user_id"), ["user_id"], unique=False)

    op.create_table(
        "comment_attachment",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("comment_id", GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("added_by_id", GUID(length=16), nullable=True),
        *_audit_columns(),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"],
                                name=op.f("fk_comment_attachment_comment_id_comment"), ondelete="CASCADE"),
        _user_fk("comment_attachment", "added_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_attachment")),
    )
    with op.batch_alter_table("comment_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_attachment_comment_id"), ["comment_id"], unique=False)


def _watches_and_teams() -> None:
    op.create_table(
        "watch",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("project_id", GUID(length=16), nullable=False),
        sa.Column("entity_type", sa.String(length=10), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        *_audit_columns(),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_watch_project_id_project"),
                                ondelete="CASCADE"),
        _user_fk("watch", "user_id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch")),
        sa.UniqueConstraint("project_id", "entity_type", "entity_id", "user_id", name=op.f("uq_watch_project_id")),
    )
    with op.batch_alter_table("watch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_watch_user_id"), ["user_id"], unique=False)

    op.create_table(
        "team",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", GUID(length=16), nullable=True),
        *_audit_columns(),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"],
                                name=op.f("fk_team_organization_id_organization"), ondelete="CASCADE"),
        _user_fk("team", "created_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
        sa.UniqueConstraint("organization_id", "slug", name=op.f("uq_team_organization_id")),
    )
    op.create_table(
        "team_member",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("team_id", GUID(length=16), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        *_audit_columns(),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_team_member_team_id_team"),
                                ondelete="CASCADE"),
        _user_fk("team_member", "user_id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_member")),
        sa.UniqueConstraint("team_id", "user_id", name=op.f("uq_team_member_team_id")),
    )
    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_member_user_id"), ["user_id"], unique=False)


def upgrade() -> None:
    """Create the collaboration tables."""
    _comments()
    _watches_and_teams()


def downgrade() -> None:
    """Drop the collaboration tables."""
    for table, indexes in (
        ("team_member", ["ix_team_member_user_id"]),
        ("team", []),
        ("watch", ["ix_watch_user_id"]),
        ("comment_attachment", ["ix_comment_attachment_comment_id"]),
        ("comment_mention", ["ix_comment_mention_user_id"]),
        ("comment_version", ["ix_comment_version_comment"]),
        ("comment", ["ix_comment_parent", "ix_comment_project_entity"]),
    ):
        if indexes:
            with op.batch_alter_table(table, schema=None) as batch_op:
                for index in indexes:
                    batch_op.drop_index(index)
        op.drop_table(table)
