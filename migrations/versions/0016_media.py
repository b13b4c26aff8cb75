"""pictures: uploaded media and their files, lead images, author photos, featured articles

Revision ID: 0016_media
Revises: 0015_imports_redirects
Created: 2026-12-06 16:40:00
"""

from alembic import op
import sqlalchemy as sa

from blog import search


revision = '0016_media'
down_revision = '0015_imports_redirects'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'media',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('format', sa.String(length=10), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('original_name', sa.String(length=255), server_default='', nullable=False),
        sa.Column('stored_bytes', sa.Integer(), server_default='0', nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['uploaded_by_id'], ['staff.id'],
            name=op.f('fk_media_uploaded_by_id_staff'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_media')),
        sa.UniqueConstraint('digest', name=op.f('uq_media_digest')),
    )
    op.create_table(
        'media_files',
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('media_id', sa.Integer(), nullable=True),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['media_id'], ['media.id'],
            name=op.f('fk_media_files_media_id_media'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_media_files')),
    )
    op.create_index(op.f('ix_media_files_media_id'), 'media_files', ['media_id'])
    with op.batch_alter_table('authors') as batch_op:
        batch_op.add_column(sa.Column('photo_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_authors_photo_id_media'), 'media', ['photo_id'], ['id'],
            ondelete='SET NULL',
        )
    with op.batch_alter_table('articles') as batch_op:
        batch_op.add_column(sa.Column('lead_image_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('lead_image_alt', sa.String(length=300), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('lead_image_caption', sa.String(length=500), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('lead_image_credit', sa.String(length=200), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('featured', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_articles_lead_image_id_media'), 'media', ['lead_image_id'], ['id'],
            ondelete='SET NULL',
        )
    # On SQLite the batch rebuilds the articles table, which drops the search's triggers.
    search.install(op.get_bind())


def downgrade():
    with op.batch_alter_table('articles') as batch_op:
        batch_op.drop_constraint('fk_articles_lead_image_id_media', type_='foreignkey')
        for column in ('featured', 'lead_image_credit', 'lead_image_caption', 'lead_image_alt',
                       'lead_image_id'):
            batch_op.drop_column(column)
    search.install(op.get_bind())
    with op.batch_alter_table('authors') as batch_op:
        batch_op.drop_constraint('fk_authors_photo_id_media', type_='foreignkey')
        batch_op.drop_column('photo_id')
    op.drop_index(op.f('ix_media_files_media_id'), table_name='media_files')
    op.drop_table('media_files')
    op.drop_table('media')
