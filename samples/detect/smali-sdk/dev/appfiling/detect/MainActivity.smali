.class public Ldev/appfiling/detect/MainActivity;
.super Landroid/app/Activity;
.source "MainActivity.java"

.field public static final API:Ljava/lang/String; = "https://api.appfiling.dev/v1/notes"

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/app/Activity;-><init>()V
    return-void
.end method

.method public static share()Ljava/lang/String;
    .registers 1
    const-string v0, "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"
    return-object v0
.end method
