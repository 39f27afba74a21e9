"""optimisation runs, recommendations and trials

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 12:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('optimisation_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('study_toml', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('model_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('model_version', sa.Integer(), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('created_at_us', sa.BigInteger(), nullable=False),
    sa.Column('summary_json', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pareto_json', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('baseline_json', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('recommendations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('recipe_json', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('predicted_json', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('explanation_json', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at_us', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['optimisation_runs.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendations_run_id'), ['run_id'], unique=False)

    op.create_table('trials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('recorded_at_us', sa.BigInteger(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('recommendation_id', 'batch_id')
    )
    with op.batch_alter_table('trials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trials_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trials_recommendation_id'), ['recommendation_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('trials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trials_recommendation_id'))
        batch_op.drop_index(batch_op.f('ix_trials_batch_id'))
    op.drop_table('trials')
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendations_run_id'))
    op.drop_table('recommendations')
    op.drop_table('optimisation_runs')
