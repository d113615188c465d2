"""A card's history belongs to the initiative on its board: it keeps its board
and initiative, and outlives the card (taken off the board: card set to null)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    CardEvent = apps.get_model("initiatives", "CardEvent")
    Card = apps.get_model("initiatives", "Card")
    card = Card.objects.filter(pk=OuterRef("card_id"))
    CardEvent.objects.update(
        board_id=Subquery(card.values("board_id")[:1]),
        initiative_id=Subquery(card.values("initiative_id")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [("initiatives", "0003_boards")]

    operations = [
        migrations.AddField(
            model_name="cardevent",
            name="board",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="card_events",
                to="initiatives.board",
            ),
        ),
        migrations.AddField(
            model_name="cardevent",
            name="initiative",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="card_events",
                to="initiatives.initiative",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="cardevent",
            name="board",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="card_events",
                to="initiatives.board",
            ),
        ),
        migrations.AlterField(
            model_name="cardevent",
            name="initiative",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="card_events",
                to="initiatives.initiative",
            ),
        ),
        migrations.AlterField(
            model_name="cardevent",
            name="card",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="events",
                to="initiatives.card",
            ),
        ),
        migrations.AlterField(
            model_name="cardevent",
            name="verb",
            field=models.CharField(
                choices=[
                    ("created", "added to the board"),
                    ("moved", "moved"),
                    ("edited", "edited"),
                    ("checked_in", "recorded a value check-in"),
                    ("removed", "taken off the board"),
                ],
                max_length=20,
            ),
        ),
        migrations.RemoveIndex(model_name="cardevent", name="card_event_card_at_idx"),
        migrations.AddIndex(
            model_name="cardevent",
            index=models.Index(
                fields=["board", "initiative", "at"], name="card_event_history_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="cardevent",
            index=models.Index(
                fields=["initiative", "at"], name="card_event_initiative_idx"
            ),
        ),
    ]
