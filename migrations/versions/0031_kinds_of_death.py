"""The kind of death a review is about: a domestic homicide, a suicide or suspected suicide following
domestic abuse, or another unexpected death following domestic abuse. Every review recorded before is a
domestic homicide, the only kind the tracker knew.

Revision ID: 0031_kinds_of_death
Revises: 0030_anonymisation_scope
Create Date: 2026-12-05 00:30:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy

# revision identifiers, used by Alembic.
revision = '0031_kinds_of_death'
down_revision = '0030_anonymisation_scope'
branch_labels = None
depends_on = None

KINDS = ('domestic_homicide', 'suicide', 'other_unexpected_death')


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'death_kind', sa.Enum(*KINDS, name='deathkind', native_enum=False, create_constraint=True, length=40),
            nullable=False, server_default='domestic_homicide'))


def downgrade():
    # Without the column every review reads as a killing: refuse while any is about another death.
    refuse_to_destroy('reviews', "death_kind <> 'domestic_homicide'",
                      what='reviews of suicides and other unexpected deaths (their kind of death)')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        # SQLite's copy of the table would keep the enum's CHECK on the dropped column.
        batch_op.drop_constraint(op.f('ck_reviews_deathkind'), type_='check')
        batch_op.drop_column('death_kind')
