"""listing indexes that end in published_at and id, tags carry their article's time, the archive's months

Revision ID: 0008_archive
Revises: 0007_slugs_bans_audit
Created: 2026-12-01 19:40:00
"""

from alembic import op
import sqlalchemy as sa

from blog.articles.archive import copy_published_at, refresh_months


revision = '0008_archive'
down_revision = '0007_slugs_bans_audit'
branch_labels = None
depends_on = None

LISTING_INDEXES = {
    'ix_articles_status_published_at_id': ['status', 'published_at', 'id'],
    'ix_articles_author_id_status_published_at_id': ['author_id', 'status', 'published_at', 'id'],
    'ix_articles_category_id_status_published_at_id': [
        'category_id', 'status', 'published_at', 'id'
    ],
    'ix_articles_id_status_published_at': ['id', 'status', 'published_at'],
}
# Prefixes of the new ones.
OLD_INDEXES = {
    'ix_articles_status_published_at': ['status', 'published_at'],
    'ix_articles_author_id': ['author_id'],
    'ix_articles_category_id': ['category_id'],
}


def upgrade():
    # Plain CREATE/DROP INDEX: a batch operation would rebuild the table and drop the search
    # triggers with it.
    for name, columns in LISTING_INDEXES.items():
        op.create_index(name, 'articles', columns, unique=False)
    for name in OLD_INDEXES:
        op.drop_index(name, table_name='articles')
    op.add_column('article_tags', sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
    copy_published_at(op.get_bind())
    op.create_index(
        'ix_article_tags_tag_id_published_at',
        'article_tags',
        ['tag_id', 'published_at', 'article_id'],
        unique=False,
    )
    op.create_table(
        'archive_months',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('month', name=op.f('pk_archive_months')),
    )
    refresh_months(op.get_bind())


def downgrade():
    op.drop_table('archive_months')
    op.drop_index('ix_article_tags_tag_id_published_at', table_name='article_tags')
    with op.batch_alter_table('article_tags', schema=None) as batch_op:
        batch_op.drop_column('published_at')
    for name, columns in OLD_INDEXES.items():
        op.create_index(name, 'articles', columns, unique=False)
    for name in LISTING_INDEXES:
        op.drop_index(name, table_name='articles')
